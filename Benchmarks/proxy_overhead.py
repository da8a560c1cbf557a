#!/usr/bin/env python3
"""The proxy's added latency: the same chat completion sent to llama-server directly and through
`causal-router serve --upstreams` in front of it, in alternating order on keep-alive connections.

Starts one llama-server (vendor/build-tools/bin, `make peer`) serving SmolLM2 as the upstream of
both tiers and the router in front of it, warms both up, then for each round sends the identical
request (temperature 0, fixed seed, a few tokens; llama-server's prompt cache makes the upstream's
work the same each time) directly, through the proxy by model name (forwarding only) and through
the proxy with "model": "router" (scoring + forwarding). Prints p50/p99 of each and of the added
latency (proxied minus the direct answer of the same round), as a markdown table.

    python3 Benchmarks/proxy_overhead.py [--rounds 200] [--max-tokens 4] [--router PATH] [--write-docs]

--write-docs puts the table into docs/benchmarks.md, after the `<!-- proxy-overhead -->` marker
(Benchmarks/bench.py keeps that section when it rewrites the file).
"""
import argparse
import datetime
import platform
import http.client
import json
import os
import statistics
import tempfile
import time

from benchlib import cli
from benchlib.paths import LLAMA_SERVER, ROOT, relative, router_binary
from benchlib.process import Server, free_port
from benchlib.stats import percentile

MODEL = os.path.join(ROOT, "models/SmolLM2-135M-Instruct.Q4_1.gguf")


def post(connection, model, max_tokens, path="/v1/chat/completions"):
    try:
        return timed_post(connection, model, max_tokens, path)
    except (ConnectionError, http.client.HTTPException):
        # llama-server (cpp-httplib) closes a keep-alive connection after 100 requests: reconnect,
        # and time the request again on the fresh connection.
        connection.close()
        return timed_post(connection, model, max_tokens, path)


def timed_post(connection, model, max_tokens, path):
    body = json.dumps({"model": model, "max_tokens": max_tokens, "temperature": 0, "seed": 1,
                       "messages": [{"role": "user", "content": "What is the capital of France?"}]})
    start = time.perf_counter()
    connection.request("POST", path, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise RuntimeError(f"{model}: HTTP {response.status}: {data[:200]!r}")
    return elapsed, response.getheader("X-Router-Upstream")


def write_docs(table, args):
    path = os.path.join(ROOT, "docs", "benchmarks.md")
    marker = "<!-- proxy-overhead -->"
    with open(path) as f:
        text = f.read()
    if marker in text:
        text = text[:text.index(marker)].rstrip("\n") + "\n\n"
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[1]
    command = "python3 Benchmarks/proxy_overhead.py " + " ".join(
        a for a in [f"--rounds {args.rounds}", f"--max-tokens {args.max_tokens}", f"--threads {args.threads}"]) + " --write-docs"
    text += f"""{marker}
## The proxy's added latency (`serve --upstreams`)

Run of {date}, written by `Benchmarks/proxy_overhead.py` (`make bench-proxy`). Command:

    {command}

One `llama-server` (the same pinned build, SmolLM2-135M, `-np 1 -t 1`) is the upstream of both
tiers; `causal-router serve --upstreams --verdict-cache 0` runs in front of it on the same
machine (no verdict cache: the repeated body is scored every round). Each round
sends the identical chat completion (temperature 0, fixed seed, {args.max_tokens} tokens; the
upstream's prompt cache makes its work the same each time) to llama-server directly, through the
proxy by model name (parse, forward with libcurl on a kept-alive connection, return), through
the proxy as `"model": "router"` (plus scoring the last user message on the inference thread),
and the same body to `POST /v1/route` (the scoring alone), in alternating order on keep-alive
connections. "Added" is the proxied time minus the direct time of the same round; routing's
added time is the scoring forward pass (SmolLM2 on the CPU, `docs/measurements.md`) plus the
forwarding, which the last row separates. Load average during the run: {load:.1f} (on a shared
machine the scoring rows grow with it; the forwarding rows are what the proxy itself adds).

{table}
"""
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--max-tokens", type=int, default=4)
    cli.add_router_option(parser)
    parser.add_argument("--threads", type=int, default=1,
                        help="the router's scoring threads (default 1: with llama-server's one, the 2-core machine's two)")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/benchmarks.md")
    args = parser.parse_args()
    router_path = router_binary(args.router)
    servers = []
    try:
        upstream_port = free_port()
        upstream = Server("llama-server", [LLAMA_SERVER, "-m", MODEL, "--alias", "smollm2", "--host", "127.0.0.1",
                                           "--port", str(upstream_port), "-c", "1024", "-np", "1", "-t", "1", "--no-webui"])
        servers.append(upstream.start())
        upstream.wait_healthy(upstream_port, "/health")
        entry = {"base_url": f"http://127.0.0.1:{upstream_port}/v1", "model": "smollm2"}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump({"strong": entry, "weak": entry}, file)
        # --verdict-cache 0: each round sends the identical request; "router" must score it every time.
        port = free_port()
        router = Server("causal-router", [router_path, "serve", "--port", str(port), "--upstreams", file.name, "--timeout-ms",
                                          "60000", "--threads", str(args.threads), "--verdict-cache", "0"])
        servers.append(router.start())
        router.wait_healthy(port)
        os.unlink(file.name)

        direct = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
        proxied = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for _ in range(5):
            post(direct, "smollm2", args.max_tokens)
            post(proxied, "smollm2", args.max_tokens)
            post(proxied, "router", args.max_tokens)
        times = {"direct": [], "forward": [], "routed": [], "verdict": []}
        for round_number in range(args.rounds):
            order = ["direct", "forward", "routed", "verdict"] if round_number % 2 == 0 else ["verdict", "routed", "forward", "direct"]
            for kind in order:
                connection = direct if kind == "direct" else proxied
                elapsed, _ = post(connection, "router" if kind == "routed" else "smollm2", args.max_tokens,
                                  "/v1/route" if kind == "verdict" else "/v1/chat/completions")
                times[kind].append(elapsed)
        added_forward = [f - d for f, d in zip(times["forward"], times["direct"])]
        added_routed = [r - d for r, d in zip(times["routed"], times["direct"])]
        lines = [f"{args.rounds} rounds, {args.max_tokens} tokens, router {relative(router_path)} (--threads {args.threads}), "
                 f"{os.cpu_count()} CPUs, {platform.machine()}", "", "| | p50 ms | p99 ms | mean ms |", "|---|---|---|---|"]
        for name, values in [("llama-server directly", times["direct"]),
                             ("through the proxy, model by name (forwarding)", times["forward"]),
                             ("through the proxy, model router (scoring + forwarding)", times["routed"]),
                             ("the same query's verdict alone (POST /v1/route, scoring only)", times["verdict"]),
                             ("added by forwarding (same round)", added_forward),
                             ("added by routing + forwarding (same round)", added_routed),
                             ("added by routing + forwarding minus the verdict's own time (same round)",
                              [a - v for a, v in zip(added_routed, times["verdict"])])]:
            lines.append(f"| {name} | {percentile(values, 50):.1f} | {percentile(values, 99):.1f} | {statistics.mean(values):.1f} |")
        table = "\n".join(lines)
        print(table)
        if args.write_docs:
            write_docs(table, args)
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
