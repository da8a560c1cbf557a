#!/usr/bin/env python3
"""Soak test (standard library only): mixed traffic and faults against `causal-router serve`.

Starts the release binary on a free loopback port (`--verdict-cache 0` when the binary has a
verdict cache, so repeated prompts are really scored), or attaches to a running server with
--url and --pid, then runs N client connections on one asyncio loop for --seconds. Each
connection keeps one behaviour for the whole run, assigned by index in fixed shares:

  route      55%  POST /v1/route {"query", "timeout_ms": deadline}, keep-alive
  chat       10%  POST /v1/route {"messages": [system?, user, assistant?, user], "timeout_ms"}
  batch       5%  POST /v1/route/batch, 8-48 queries (strings and objects): keeps the queue full
  malformed   8%  bad JSON, wrong types, invalid UTF-8, empty body, lying Content-Length
                  (short, and long then half-closed), bad request line/header/version,
                  Transfer-Encoding, wrong method/path, an over-long batch
  oversized   4%  a body just over --max-body (413), a header block over 64 KiB (431)
  halfopen    8%  part of a request (request line, headers, body) or nothing, then wait until
                  the server cuts the connection; reconnect
  slowloris   5%  a head, or a body, one byte about every second until the server cuts it
  vanish      5%  a valid request (single or batch), then gone: close at once, close while it is
                  scored, or read a few bytes of the answer and reset

Reports requests sent and outcomes per kind (HTTP status, or closed / reset / client timeout
for connections that ended without an answer), latency p50/p99 of valid route requests
against the deadline, the fail-open share and reasons, the scoring queue depth (GET /metrics
every 2 s), the server's RSS, open descriptors and threads at start (idle, after warm-up),
under load and at the end (idle again), /healthz and liveness at the end, and /metrics totals.
Prints Markdown; --json FILE writes everything. Exit 1 when the server died or /healthz failed
at the end.

  python3 Benchmarks/soak.py                       # 600 s, 1000 connections, deadline 2000 ms
  python3 Benchmarks/soak.py --seconds 60 --connections 300 --threads 1 --json soak.json
  python3 Benchmarks/soak.py --url http://127.0.0.1:8321 --pid $(pidof causal-router)

Bounded on purpose: loopback only, at most 5000 connections, every wait has a timeout, every
socket is closed at exit and a server it started is stopped (SIGTERM, then SIGKILL).
"""
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.parse

from benchlib import cli
from benchlib.paths import ROUTER, relative
from benchlib.process import Server, ServerError, free_port, raise_open_files_limit, wait_healthy
from soaklib.harness import Soak, alive, proc_sample
from soaklib.report import render, summarise
from soaklib.wire import bucket_of, request_bytes


async def main_async(args, host, port, pid, proc, extra):
    soak = Soak(args, host, port, {}, False)
    status, body, _ = await soak.get("/v1/config")
    soak.config = json.loads(body) if status == 200 else {}
    limits = soak.config.get("limits", {})
    soak.max_body = int(limits.get("max_body_bytes", soak.max_body))
    soak.max_queue = limits.get("max_queue")
    cache = limits.get("verdict_cache_entries")
    soak.unique = bool(cache) or args.unique
    if cache:
        extra["notes"].append("the server's verdict cache holds %s entries: each prompt gets a unique suffix" % cache)
    elif args.unique:
        extra["notes"].append("each prompt gets a unique suffix (--unique)")
    extra["server_config"] = soak.config
    # Warm-up: a few sequential requests, then the idle start sample.
    for i in range(args.warmup):
        body = json.dumps({"query": soak.prompt(soak.rng), "timeout_ms": 60000}).encode()
        try:
            await soak.once(request_bytes("POST", "/v1/route", body), timeout=90)
        except Exception as error:  # noqa: BLE001
            print("soak: warm-up request failed: %r" % error, file=sys.stderr)
    await asyncio.sleep(1)
    extra["proc_start"] = proc_sample(pid)
    client_cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    wall0 = time.monotonic()
    print("soak: start %s; running %d connections for %d s" % (extra["proc_start"], args.connections, args.seconds),
          file=sys.stderr, flush=True)
    failed_tasks = await soak.run(pid)
    extra["client_cpu_s"] = round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - client_cpu0, 1)
    extra["run_wall_s"] = round(time.monotonic() - wall0, 1)
    last = soak.proc_samples[-1][2] if soak.proc_samples else None
    if last and extra["proc_start"] and last.get("cpu_s") is not None and extra["proc_start"].get("cpu_s") is not None:
        extra["server_cpu_s"] = round(last["cpu_s"] - extra["proc_start"]["cpu_s"], 1)
    # Quiet: wait until the server holds no client connection (or --quiet-limit), then sample.
    quiet_start = time.monotonic()
    while time.monotonic() - quiet_start < args.quiet_limit and alive(pid, proc):
        try:
            m, _ = await soak.metrics(timeout=10)
            if m.get("causal_router_open_connections", 99) <= 1 and m.get("causal_router_requests_in_flight", 99) <= 1 \
                    and m.get("causal_router_queue_depth", 0) == 0:
                break
        except Exception:  # noqa: BLE001
            pass
        await asyncio.sleep(1)
    await asyncio.sleep(args.quiet)
    extra["quiet_s"] = round(time.monotonic() - quiet_start)
    extra["proc_end"] = proc_sample(pid)
    extra["alive_at_end"] = alive(pid, proc)
    extra["healthz_status"], extra["healthz_ms"] = "no answer", None
    if extra["alive_at_end"]:
        try:
            status, _, ms = await soak.get("/healthz", timeout=30)
            extra["healthz_status"], extra["healthz_ms"] = status, ms
        except Exception as error:  # noqa: BLE001
            extra["healthz_status"] = bucket_of(error)
        try:
            extra["metrics_end"], _ = await soak.metrics(timeout=30)
        except Exception:  # noqa: BLE001
            extra["metrics_end"] = {}
    extra["client_task_failures"] = failed_tasks
    ok = extra["alive_at_end"] and extra["healthz_status"] == 200
    return soak, 0 if ok else 1


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("--seconds", type=int, default=600, help="length of the mixed traffic (default 600)")
    parser.add_argument("--connections", type=int, default=1000, help="client connections (default 1000)")
    parser.add_argument("--deadline-ms", type=int, default=2000, help="timeout_ms of valid requests (default 2000)")
    parser.add_argument("--threads", type=int, help="serve --threads (default: the server's)")
    parser.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                        help="one more argument for serve (repeat; e.g. --serve-arg=--workers --serve-arg=64)")
    parser.add_argument("--binary", default=ROUTER)
    parser.add_argument("--url", help="attach to this running server (loopback) instead of starting one")
    parser.add_argument("--pid", type=int, help="the attached server's process id (needed with --url)")
    parser.add_argument("--unique", action="store_true", help="append a unique suffix to every prompt")
    parser.add_argument("--warmup", type=int, default=3, help="sequential requests before the start sample")
    parser.add_argument("--sample-every", type=float, default=30, help="seconds between RSS/fd samples (default 30)")
    parser.add_argument("--quiet", type=float, default=5, help="seconds of quiet before the end sample (default 5)")
    parser.add_argument("--quiet-limit", type=float, default=60,
                        help="longest wait for the server to drop every connection after the run (default 60)")
    parser.add_argument("--ready-timeout", type=int, default=120, help="wait for /healthz 200 (default 120 s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="FILE", help="write the full results as JSON")
    args = parser.parse_args()
    if not 1 <= args.connections <= 5000:
        parser.error("--connections must be in 1...5000")
    if args.seconds < 1 or args.deadline_ms < 1:
        parser.error("--seconds and --deadline-ms must be positive")
    if args.url and not args.pid:
        parser.error("--url needs --pid (RSS and descriptors are read from /proc/PID)")

    raise_open_files_limit(args.connections + 256, "soak")

    def terminated(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminated)  # so a server this script started is stopped too

    server = proc = None
    extra = {"seconds": args.seconds, "connections": args.connections, "notes": [], "quiet_s": 0}
    if args.url:
        parsed = urllib.parse.urlparse(args.url)
        host, port, pid = parsed.hostname, parsed.port or 80, args.pid
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error("--url must be a loopback address")
        host = "127.0.0.1" if host == "localhost" else host
        extra["server_command"] = "attached to %s, pid %d" % (args.url, pid)
    else:
        if not os.access(args.binary, os.X_OK):
            print("soak: no server binary at %s (build it: swift build -c release)" % args.binary, file=sys.stderr)
            return 2
        help_text = subprocess.run([args.binary, "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
        host, port = "127.0.0.1", free_port()
        command = [args.binary, "serve", "--port", str(port)]
        if "--verdict-cache" in help_text:
            command += ["--verdict-cache", "0"]
        else:
            extra["notes"].append("this binary has no --verdict-cache (no cache to turn off)")
        if args.threads:
            command += ["--threads", str(args.threads)]
        command += args.serve_arg
        server = Server("the server", command, keep_log=True, log_prefix="soak-serve").start()
        proc, pid = server.process, server.pid
        extra["server_command"] = " ".join(relative(c) if c == args.binary else c for c in command)
        extra["server_log"] = server.log_path
        print("soak: started %s (pid %d, log %s)" % (extra["server_command"], pid, server.log_path), file=sys.stderr, flush=True)

    code = 1
    soak = None
    try:
        wait_healthy(port, deadline_s=args.ready_timeout, process=proc, interval=0.5, host=host)
        soak, code = asyncio.run(main_async(args, host, port, pid, proc, extra))
    except ServerError:
        print("soak: the server did not answer GET /healthz 200 within %d s" % args.ready_timeout, file=sys.stderr)
    except KeyboardInterrupt:
        print("soak: interrupted", file=sys.stderr)
        code = 130
    finally:
        if server is not None:
            how, rc = server.stop(30)
            if how == "sigterm":
                extra["exit_note"] = "SIGTERM → exit %d" % rc
                extra["exit_code_after_sigterm"] = rc
            elif how == "killed":
                extra["exit_note"] = "**no exit within 30 s of SIGTERM; killed**"
                extra["exit_code_after_sigterm"] = None
            else:
                extra["exit_note"] = "**server had exited with %s**" % rc
                extra["exit_code_before_end"] = rc
            if code != 0 or extra.get("exit_code_after_sigterm") not in (0,):
                print("soak: server log tail:\n" + server.log_tail(3000), file=sys.stderr)
    if soak is None:
        return code
    if extra.get("exit_code_after_sigterm") not in (None, 0) and proc is not None:
        code = code or 1
    fd_growth = rss_growth = load_growth = None
    if extra.get("proc_start") and extra.get("proc_end"):
        fd_growth = extra["proc_end"]["fds"] - extra["proc_start"]["fds"]
        rss_growth = extra["proc_end"]["rss_mib"] - extra["proc_start"]["rss_mib"]
    loads = [x for _, ph, x in soak.proc_samples if x and ph.startswith("load")]
    if len(loads) >= 2:
        load_growth = loads[-1]["rss_mib"] - loads[0]["rss_mib"]
    extra["fd_growth_idle"], extra["rss_growth_idle_mib"], extra["rss_growth_under_load_mib"] = fd_growth, rss_growth, load_growth
    extra["verdict"] = ("%s; server %s at the end; GET /healthz %s; open descriptors idle end − start: %s; "
                        "RSS idle end − start: %s MiB, under load last − first sample: %s MiB; client task failures: %d.") % (
        "PASS" if code == 0 else "**FAIL**", "alive" if extra.get("alive_at_end") else "gone",
        extra.get("healthz_status"), "—" if fd_growth is None else "%+d" % fd_growth,
        "—" if rss_growth is None else "%+.1f" % rss_growth, "—" if load_growth is None else "%+.1f" % load_growth,
        extra.get("client_task_failures", 0))
    summary = summarise(soak, extra)
    print(render(summary))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1, default=str)
    return code


if __name__ == "__main__":
    sys.exit(main())
