#!/usr/bin/env bash
# The README's run command: start the sidecar on a model, wait until it is ready, route a
# sample query with curl (shown), then keep serving in the foreground until Ctrl-C / SIGTERM.
# Usage: scripts/run-server.sh MODEL PORT QUERY
set -euo pipefail
model="${1:-smollm2-135m-iq4_nl}"
port="${2:-8321}"
query="${3:-What is the capital of France?}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.build/release/causal-router"
# serve uses the shipped learned head for the model and template (models/heads/) by default;
# models without one run zero-shot until a head is trained for them (`causal-router train`).
"$bin" serve --model "$model" --port "$port" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid"' INT TERM
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; exit $?; fi
  sleep 0.2
done
body="$(python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1]}))' "$query")"
echo "\$ curl -s http://127.0.0.1:$port/v1/route -d '$body'"
curl -s "http://127.0.0.1:$port/v1/route" -H 'Content-Type: application/json' -d "$body"
echo
echo "serving on http://127.0.0.1:$port (Ctrl-C stops)"
wait "$pid"
