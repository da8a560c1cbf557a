#!/usr/bin/env python3
"""Closed-loop HTTP load generator (standard library only) for causal-router and its peers.

C client threads, each with one keep-alive connection, send the given requests (round-robin
over the query file) until N are done; prints requests/s and latency percentiles as JSON.

  loadgen.py --url http://127.0.0.1:8321/v1/route --queries q.jsonl -n 64 -c 16 [--kind router|llama]

--kind router: body {"query": q, "timeout_ms": 600000}; --kind llama: llama-server /completion
with the prompt rendered by `causal-router render` (the file then holds {"prompt": ...} rows).
"""
import http.client
import json
import threading
import time
import urllib.parse

from benchlib import cli
from benchlib.stats import latency_percentiles_ms


def body_for(kind, row, timeout_ms=600000):
    if kind == "router":
        return {"query": row["query"], "timeout_ms": timeout_ms}
    return {"prompt": row["prompt"], "n_predict": 1, "n_probs": 20, "cache_prompt": True, "temperature": 0}


def run(url, rows, n, concurrency, kind, keep_latencies=False, deadline_ms=None):
    """n requests from `concurrency` closed-loop clients. With deadline_ms, the router is asked
    for that deadline, and an answer of either side that took longer counts as `late`: an
    application with that deadline would have failed open on it."""
    parsed = urllib.parse.urlparse(url)
    latencies, errors, fallbacks, late = [], [], [0], [0]
    lock = threading.Lock()
    next_index = [0]

    def worker():
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)
        while True:
            with lock:
                i = next_index[0]
                if i >= n:
                    break
                next_index[0] += 1
            body = json.dumps(body_for(kind, rows[i % len(rows)], deadline_ms or 600000))
            start = time.perf_counter()
            try:
                conn.request("POST", parsed.path, body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - start
                with lock:
                    if response.status != 200:
                        errors.append(response.status)
                    else:
                        latencies.append(elapsed)
                        if kind == "router" and json.loads(data).get("fallback"):
                            fallbacks[0] += 1
                        elif deadline_ms is not None and elapsed * 1000 > deadline_ms:
                            late[0] += 1
            except Exception as error:  # noqa: BLE001 - report, keep going
                with lock:
                    errors.append(str(error))
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    result = {
        "requests": len(latencies), "errors": len(errors), "fallbacks": fallbacks[0], "late": late[0],
        "concurrency": concurrency,
        "seconds": round(wall, 3), "rps": round(len(latencies) / wall, 3),
        **latency_percentiles_ms(latencies),
    }
    if keep_latencies:
        result["latencies"] = latencies
    return result


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--queries", required=True, help="JSONL rows with 'query' (router) or 'prompt' (llama)")
    parser.add_argument("-n", type=int, default=64)
    parser.add_argument("-c", type=int, default=1)
    parser.add_argument("--kind", choices=["router", "llama"], default="router")
    args = parser.parse_args()
    with open(args.queries) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    print(json.dumps(run(args.url, rows, args.n, args.c, args.kind)))


if __name__ == "__main__":
    main()
