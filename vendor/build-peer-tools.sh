#!/usr/bin/env bash
# Builds llama.cpp's own llama-server and llama-bench from the same pinned, verified source
# (vendor/build-llama.sh extracts it) with the same ggml options, into vendor/build-tools/bin.
# The benchmark's peer and physical limit; not needed to run or test causal-router.
# Idempotent: a second run with the same pin and options does nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/build-llama.sh"
openmp="${GGML_OPENMP:-OFF}"
options=(
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON -DGGML_OPENMP="$openmp"
  -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF
  -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF
)
build="$here/build-tools"
stamp_text="$(cat "$here/prefix/.build-stamp") | ${options[*]}"
if [ -f "$build/.stamp" ] && [ "$(cat "$build/.stamp")" = "$stamp_text" ] && [ -x "$build/bin/llama-server" ] && [ -x "$build/bin/llama-bench" ]; then
  echo "build-peer-tools: llama-server and llama-bench already built (vendor/build-tools/bin)"
  exit 0
fi
start=$(date +%s)
echo "build-peer-tools: building llama-server and llama-bench (GGML_OPENMP=$openmp)"
cmake -S "$here/llama.cpp" -B "$build" "${options[@]}" >"$here/build-tools.log" 2>&1 \
  || { tail -30 "$here/build-tools.log" >&2; exit 1; }
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target llama-server llama-bench >>"$here/build-tools.log" 2>&1 \
  || { tail -30 "$here/build-tools.log" >&2; echo "build-peer-tools: build failed (vendor/build-tools.log)" >&2; exit 1; }
echo "$stamp_text" >"$build/.stamp"
echo "build-peer-tools: built in $(( $(date +%s) - start )) s"
