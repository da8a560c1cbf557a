#!/usr/bin/env python3
"""The verdict cache's hit latency against a miss's, on a real `causal-router serve`.

Starts the sidecar (default model and head, the verdict cache on), sends N distinct GSM8K
queries one after another on one keep-alive connection (each a miss: decoded), then sends the
same N queries again R times (each a hit: answered from the cached distribution), checking
that every repeat says "cached": true with the first pass's probabilities bit for bit. Prints
p50/p95/mean of the client-side round trip and of the verdict's own latency_ms for misses and
hits, and the cache counters from /metrics. Standard library only.

    python3 Benchmarks/verdict_cache_latency.py [--queries 100] [--repeats 3] [--threads 2] [--router PATH]
"""
import http.client
import json
import re
import statistics
import sys
import time

from benchlib import cli, metrics
from benchlib.data import read_jsonl
from benchlib.paths import GSM8K, relative, router_binary
from benchlib.process import Server, ServerError, free_port
from benchlib.stats import percentile


def summary(values):
    return f"p50 {percentile(values, 50):8.2f}  p95 {percentile(values, 95):8.2f}  mean {statistics.mean(values):8.2f}"


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("--queries", type=int, default=100, help="distinct GSM8K queries (default 100)")
    parser.add_argument("--repeats", type=int, default=3, help="passes of repeats after the first (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="the router's scoring threads (default 2)")
    cli.add_router_option(parser)
    args = parser.parse_args()
    router = router_binary(args.router)
    queries = [row["prompt"] for row in read_jsonl(GSM8K)][: args.queries + 1]
    warmup, queries = queries[0], queries[1:]
    if len(set(q.strip() for q in queries)) != len(queries):
        sys.exit("the queries are not distinct")

    port = free_port()
    server = Server("causal-router", [router, "serve", "--port", str(port), "--threads", str(args.threads),
                                      "--timeout-ms", "600000"]).start()
    try:
        try:
            server.wait_healthy(port, deadline_s=600)
        except ServerError as error:
            sys.exit(f"serve did not start: {error}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

        def route(query):
            body = json.dumps({"query": query, "timeout_ms": 600000})
            start = time.perf_counter()
            connection.request("POST", "/v1/route", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            text = response.read()
            elapsed = (time.perf_counter() - start) * 1000
            if response.status != 200:
                sys.exit(f"status {response.status}: {text[:200]!r}")
            # The probabilities as the server printed them, compared as text: bit for bit.
            probabilities = re.search(rb'"probabilities":\[[^\]]*\]', text).group(0)
            verdict = json.loads(text)
            if verdict["fallback"]:
                sys.exit(f"a fallback verdict: {verdict.get('reason')}")
            return elapsed, verdict["latency_ms"], verdict["cached"], probabilities

        route(warmup)
        miss_wall, miss_server, first = [], [], {}
        for query in queries:
            wall, server_ms, cached, probabilities = route(query)
            if cached:
                sys.exit("a first request was answered from the cache")
            miss_wall.append(wall)
            miss_server.append(server_ms)
            first[query] = probabilities
        hit_wall, hit_server = [], []
        for _ in range(args.repeats):
            for query in queries:
                wall, server_ms, cached, probabilities = route(query)
                if not cached or probabilities != first[query]:
                    sys.exit("a repeat was not answered from the cache with the same probabilities")
                hit_wall.append(wall)
                hit_server.append(server_ms)
        connection.request("GET", "/metrics")
        values = metrics.parse(connection.getresponse().read().decode())
        counters = {name: "%.15g" % values[f"causal_router_verdict_cache_{name}"] for name in ["hits_total", "misses_total", "entries"]}
    finally:
        server.stop()

    command = "python3 Benchmarks/verdict_cache_latency.py " + " ".join(
        [f"--queries {args.queries}", f"--repeats {args.repeats}", f"--threads {args.threads}"])
    print(command)
    print(f"router: {relative(router)}; {len(miss_wall)} misses, {len(hit_wall)} hits (one keep-alive connection)")
    print(f"miss  round trip ms  {summary(miss_wall)}")
    print(f"miss  latency_ms     {summary(miss_server)}")
    print(f"hit   round trip ms  {summary(hit_wall)}")
    print(f"hit   latency_ms     {summary(hit_server)}")
    print(f"p50 round trip miss / hit: {percentile(miss_wall, 50) / percentile(hit_wall, 50):.0f}x")
    print("metrics: " + ", ".join(f"verdict_cache_{k} {v}" for k, v in counters.items()))


if __name__ == "__main__":
    main()
