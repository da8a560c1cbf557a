#!/usr/bin/env python3
"""How the context (`--ctx`) bounds the tail of `serve`'s latency: a simulation on real prompts.

Renders a routing-data file's prompts (one split) with `causal-router render --jsonl` to count
each query's tokens, then simulates `serve` under a closed loop of CLIENTS clients, first come
first served, one query scored at a time (batch-invariant scoring): a query costs its scored
tokens (the query, truncated to the context's room, and the template's suffix), each token
weighted by the context it attends over. Prints, per context, the queries truncated, the mean
cost against the largest context and the simulated p99 / p50 of latency. Used to choose the
default context on the Arena-Hard train split (docs/heads.md, round 8); the bench
(`make bench`) measures the real figures.

    python3 Benchmarks/context_tail.py [--data FILE] [--split train] [--clients 16]
"""
import argparse
import collections
import json
import random
import subprocess
import sys

from benchlib.data import rows as data_rows
from benchlib.paths import ARENA_HARD, ROUTER
from benchlib.stats import percentile

# Attention's share of a token's cost grows with the positions before it: cost per token
# 1 + position / ATTENTION_SCALE (SmolLM2-135M on 2 cores: llama-bench's pp rate falls ~1/3 from
# 100 to 1,000 positions).
ATTENTION_SCALE = 1500


def query_tokens(data, split, model):
    queries = [json.dumps({"query": row["prompt"]}) for row in data_rows(data, split)]
    out = subprocess.run([ROUTER, "render", "--jsonl", "--ctx", "1000000"] + (["--model", model] if model else []),
                         input="\n".join(queries) + "\n", capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"context_tail: render failed: {out.stderr.strip()}")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    return rows[0]["prefix_tokens"], rows[0]["suffix_tokens"], [r["query_tokens"] for r in rows]


def cost(tokens, prefix):
    return sum(1 + (prefix + i) / ATTENTION_SCALE for i in range(tokens))


def simulate(costs, clients, requests, seed=1):
    rng = random.Random(seed)
    waiting = collections.deque((0.0, rng.choice(costs)) for _ in range(clients))
    now, latencies = 0.0, []
    while len(latencies) < requests:
        arrived, service = waiting.popleft()
        now = max(now, arrived) + service
        latencies.append(now - arrived)
        waiting.append((now, rng.choice(costs)))
    return percentile(latencies, 50), percentile(latencies, 99)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=ARENA_HARD)
    parser.add_argument("--split", default="train", help="train | test | all (default: train)")
    parser.add_argument("--model", help="catalog name or GGUF (default: the router's)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--contexts", default="1024,768,512,448,384,320,256")
    args = parser.parse_args()
    prefix, suffix, lengths = query_tokens(args.data, args.split, args.model)
    contexts = [int(c) for c in args.contexts.split(",")]
    marker = 5
    results = []
    for ctx in contexts:
        room = ctx - prefix - suffix
        if room < 16 + marker:
            continue
        costs = [cost(min(n, room) + suffix, prefix) for n in lengths]
        p50, p99 = simulate(costs, args.clients, args.requests)
        results.append((ctx, room, sum(n > room for n in lengths), sum(costs) / len(costs), p99 / p50))
    largest = results[0][3]
    print(f"{len(lengths)} prompts ({args.split}), prefix {prefix} + suffix {suffix} tokens, {args.clients} clients")
    print(f"{'ctx':>6} {'query room':>11} {'truncated':>10} {'mean cost':>10} {'p99/p50':>8}")
    for ctx, room, truncated, mean, ratio in results:
        print(f"{ctx:>6} {room:>11} {truncated:>10} {mean / largest:>9.2f}x {ratio:>8.2f}")


if __name__ == "__main__":
    main()
