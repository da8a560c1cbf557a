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

--recording measures instead what `serve --record DIR --record-answers --shadow-rate 1` adds:
two routers in front of the same upstreams, one plain and one recording and shadowing every
routed request, loaded in alternating phases by --clients closed-loop clients (default 16), side
by side with the p50 difference and the statuses each answered.

--write-docs puts the table into docs/benchmarks.md, after the `<!-- proxy-overhead -->` marker
(or `<!-- proxy-recording -->` with --recording; Benchmarks/bench.py keeps those sections when it
rewrites the file).
"""
import argparse
import datetime
import platform
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import cli
from benchlib.paths import LLAMA_SERVER, ROOT, relative, router_binary
from benchlib import metrics as prometheus
from benchlib.process import Server, free_port, request
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


SECTIONS = ["<!-- proxy-overhead -->", "<!-- proxy-recording -->"]


def replace_section(marker, section):
    """docs/benchmarks.md with its `marker` section (up to the next of SECTIONS, or the end)
    replaced by `section` (appended when absent); the other sections stay where they are."""
    path = os.path.join(ROOT, "docs", "benchmarks.md")
    with open(path) as f:
        text = f.read()
    if marker in text:
        start = text.index(marker)
        ends = [text.index(m) for m in SECTIONS if m != marker and m in text and text.index(m) > start]
        end = min(ends) if ends else len(text)
        text = text[:start] + section.rstrip("\n") + "\n" + ("\n" + text[end:] if end < len(text) else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {path}")


def write_docs(table, args):
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[1]
    command = "python3 Benchmarks/proxy_overhead.py " + " ".join(
        a for a in [f"--rounds {args.rounds}", f"--max-tokens {args.max_tokens}", f"--threads {args.threads}"]) + " --write-docs"
    replace_section(SECTIONS[0], f"""{SECTIONS[0]}
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
""")


def closed_loop(connections, model, max_tokens, requests):
    """`requests` chat completions from len(connections) closed-loop clients, one keep-alive
    connection each: [(milliseconds, status)]."""
    results, lock, left = [], threading.Lock(), [requests]
    body = json.dumps({"model": model, "max_tokens": max_tokens, "temperature": 0, "seed": 1,
                       "messages": [{"role": "user", "content": "What is the capital of France?"}]})

    def client(connection):
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            for attempt in range(2):
                start = time.perf_counter()
                try:
                    connection.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                    break
                except (ConnectionError, http.client.HTTPException, OSError):
                    # A kept-alive connection the server closed while idle (--idle-timeout) during
                    # the other router's phases: reconnect and time the request again, once.
                    connection.close()
                    status = "error"
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                results.append((elapsed, status))

    threads = [threading.Thread(target=client, args=(c,)) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def recording_comparison(args, router_path, weak):
    """Two routers over the same upstreams (weak, which answers the clients: llama-server, or with
    weak "canned" a canned answer; strong, the shadows' tier: a canned answer), one plain and one
    with --record --record-answers --shadow-rate 1, loaded in alternating phases: the table and
    the recording router's counts."""
    servers, folder = [], tempfile.mkdtemp(prefix="records-bench-")
    try:
        upstream_port, canned_port = free_port(), free_port()
        upstream = Server("canned-weak", [sys.executable, "-m", "benchlib.canned_upstream", str(upstream_port)],
                          cwd=os.path.join(ROOT, "Benchmarks")) if weak == "canned" else Server("llama-server", [LLAMA_SERVER, "-m", MODEL, "--alias", "smollm2", "--host", "127.0.0.1",
                                           "--port", str(upstream_port), "-c", str(256 * args.upstream_slots),
                                           "-np", str(args.upstream_slots), "-t", "1", "--no-webui"])
        servers.append(upstream.start())
        canned = Server("canned-upstream", [sys.executable, "-m", "benchlib.canned_upstream", str(canned_port)],
                        cwd=os.path.join(ROOT, "Benchmarks"))
        servers.append(canned.start())
        upstream.wait_healthy(upstream_port, "/" if weak == "canned" else "/health")
        canned.wait_healthy(canned_port, "/")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump({"strong": {"base_url": f"http://127.0.0.1:{canned_port}/v1", "model": "canned"},
                       "weak": {"base_url": f"http://127.0.0.1:{upstream_port}/v1", "model": "smollm2"}}, file)
        recording_flags = ["--record", folder, "--record-answers", "--shadow-rate", "1"]
        ports = {}
        for arm, extra in [("plain", []), ("recording", recording_flags)]:
            ports[arm] = free_port()
            router = Server(f"causal-router ({arm})", [router_path, "serve", "--port", str(ports[arm]), "--upstreams", file.name,
                                                       "--timeout-ms", "60000", "--threads", str(args.threads)] + extra)
            servers.append(router.start())
            router.wait_healthy(ports[arm])
        os.unlink(file.name)
        # router-1.0: every request goes to the weak tier, so the recording router shadows each on
        # the strong one; the verdict cache answers the repeated query after the first.
        connections = {arm: [http.client.HTTPConnection("127.0.0.1", port, timeout=120) for _ in range(args.clients)]
                       for arm, port in ports.items()}
        for arm in ports:
            closed_loop(connections[arm], "router-1.0", args.max_tokens, 4 * args.clients)
        results = {arm: [] for arm in ports}
        phase_p50 = {arm: [] for arm in ports}
        load = []
        for phase in range(args.phases):
            order = ["plain", "recording"] if phase % 2 == 0 else ["recording", "plain"]
            for arm in order:
                phase = closed_loop(connections[arm], "router-1.0", args.max_tokens, args.phase_requests)
                results[arm] += phase
                phase_p50[arm].append(percentile([t for t, _ in phase], 50))
            load.append(os.getloadavg()[0])
        counts = prometheus.parse(request(ports["recording"], "GET", "/metrics")[1].decode())
        lines = [f"{args.clients} clients, {args.phases} alternating phases of {args.phase_requests} requests per router, "
                 f"{args.max_tokens} tokens, router {relative(router_path)} (--threads {args.threads}), "
                 +
                 ("weak tier: a canned answer" if weak == "canned" else f"weak tier: llama-server -np {args.upstream_slots} -t 1")
                 + f", {os.cpu_count()} CPUs, {platform.machine()}", "",
                 "| | requests | p50 ms | p99 ms | mean ms | statuses |", "|---|---|---|---|---|---|"]
        for arm, label in [("plain", "`serve --upstreams`"),
                           ("recording", "`serve --upstreams --record DIR --record-answers --shadow-rate 1`")]:
            times = [t for t, _ in results[arm]]
            statuses = {}
            for _, status in results[arm]:
                statuses[status] = statuses.get(status, 0) + 1
            shown = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items(), key=lambda kv: str(kv[0])))
            lines.append(f"| {label} | {len(times)} | {percentile(times, 50):.1f} | {percentile(times, 99):.1f} | "
                         f"{statistics.mean(times):.1f} | {shown} |")
        plain = [t for t, _ in results["plain"]]
        recording = [t for t, _ in results["recording"]]
        lines.append(f"| added by recording and shadowing (recording minus plain) | | "
                     f"{percentile(recording, 50) - percentile(plain, 50):+.1f} | {percentile(recording, 99) - percentile(plain, 99):+.1f} | "
                     f"{statistics.mean(recording) - statistics.mean(plain):+.1f} | |")

        def count(key):
            return counts.get(key, 0.0)
        shadows = ", ".join(f"{outcome} {count('causal_router_shadow_requests_total{outcome=' + chr(34) + outcome + chr(34) + '}'):.0f}"
                            for outcome in ["ok", "failed", "skipped"])
        summary = (f"Recording router: {count('causal_router_records_written_total'):.0f} records written, "
                   f"{count('causal_router_records_dropped_total'):.0f} dropped; shadows {shadows}. "
                   f"One phase's p50, plain router: {min(phase_p50['plain']):.1f} to {max(phase_p50['plain']):.1f} ms; "
                   f"recording router: {min(phase_p50['recording']):.1f} to {max(phase_p50['recording']):.1f} ms (how far the "
                   "p50 moves from phase to phase on this machine). "
                   f"Load average (1 min) after each phase: {min(load):.1f} to {max(load):.1f}.")
        return "\n".join(lines), summary, load
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def write_recording_docs(runs, args):
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = (f"python3 Benchmarks/proxy_overhead.py --recording --clients {args.clients} --phases {args.phases} "
               f"--phase-requests {args.phase_requests} --max-tokens {args.max_tokens} --threads {args.threads} "
               f"--upstream-slots {args.upstream_slots} --weak {args.weak} --write-docs")
    tables = "\n\n".join(f"{'The proxy alone (weak tier: a canned answer)' if weak == 'canned' else 'With llama-server answering'}:"
                           f"\n\n{table}\n\n{summary}" for weak, table, summary in runs)
    replace_section(SECTIONS[1], f"""{SECTIONS[1]}
## What recording and shadow answers add (`serve --record --record-answers --shadow-rate 1`)

Run of {date}, written by `Benchmarks/proxy_overhead.py --recording`. Command:

    {command}

Two routers run side by side in front of the same upstreams. Every client request is routed to
the weak tier (`"model": "router-1.0"`; the verdict cache answers the repeated query, so scoring
costs next to nothing and the rows show the proxy's own path). The strong tier, where the
recording router sends its shadow of every request, is a canned-answer HTTP server
(`Benchmarks/benchlib/canned_upstream.py`), so the shadows' upstream work does not compete for the
machine's CPU (a real shadow tier is another machine's). One router is plain, the other records
every request with its answers and shadows each one. {args.clients} closed-loop clients load each
router in turn, in alternating phases, and the table compares the two: the added latency is the
difference of the recording router's percentiles and the plain one's, and the statuses are what
the clients got. The first run's weak tier is a canned answer too, so the latencies are the
proxy's alone and a difference of a millisecond shows; the second's is one `llama-server` (the
same pinned build, SmolLM2-135M, {args.max_tokens} tokens), whose queueing at {args.clients}
clients dominates. Each run's last line gives the machine's load average (1 min) after each
phase: above the CPU count, other work shared the machine (this is a shared 2-core machine),
and the range of one phase's p50 shows how far that alone moves the figures.

{tables}
""")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--max-tokens", type=int, default=4)
    cli.add_router_option(parser)
    parser.add_argument("--threads", type=int, default=1,
                        help="the router's scoring threads (default 1: with llama-server's one, the 2-core machine's two)")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/benchmarks.md")
    parser.add_argument("--recording", action="store_true",
                        help="compare a plain router with one run with --record --record-answers --shadow-rate 1 instead")
    parser.add_argument("--clients", type=int, default=16, help="--recording: closed-loop clients (default 16)")
    parser.add_argument("--phases", type=int, default=10, help="--recording: alternating load phases per router (default 10)")
    parser.add_argument("--phase-requests", type=int, default=160, help="--recording: requests per phase (default 160)")
    parser.add_argument("--weak", default="canned,llama-server",
                        help="--recording: the weak tier of each run, canned and/or llama-server (default both, in that order)")
    parser.add_argument("--upstream-slots", type=int, default=4, help="--recording: the weak llama-server's -np (default 4)")
    args = parser.parse_args()
    router_path = router_binary(args.router)
    if args.recording:
        runs = []
        for weak in args.weak.split(","):
            table, summary, _ = recording_comparison(args, router_path, weak)
            print(table + "\n\n" + summary + "\n")
            runs.append((weak, table, summary))
        if args.write_docs:
            write_recording_docs(runs, args)
        return
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
