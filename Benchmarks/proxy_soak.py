#!/usr/bin/env python3
"""The proxy under fire: `causal-router serve --upstreams` in front of two real llama-server
upstreams (SmolLM2 Q4_1 as strong, IQ4_NL as weak), N concurrent clients for --seconds while a
fault schedule hits the upstreams, and every request accounted for (`make soak-proxy`).

Each upstream sits behind a relay (proxysoaklib/relay.py, its own process) that logs every
request it passes by the soak id in the body's "user" field, and injects faults: a slow
upstream, 429 storms, 5xx bursts, refusing connections. The schedule (proxysoaklib/schedule.py)
also SIGKILLs and restarts llama-server, SIGSTOPs and SIGCONTs it, takes one tier down for a
minute and both for 20 s. Clients (proxysoaklib/clients.py): raw HTTP non-streamed and
streamed, streamed ones that hang up after the first event, and the official openai client
(when the interpreter has it: run with .venv-test/bin/python).

The accounting (proxysoaklib/accounting.py) checks each request against the documented rules:
one answer from one tier (the relays' complete deliveries say which), a 502 only while both tiers
were failing or skipped, a broken stream only after its first byte and with the error event,
nothing past the deadline (scoring deadline + total_ms + grace). Sampled every --sample-every
seconds: the router's RSS, open descriptors and breaker states; at the end /healthz, the
breakers closed, and SIGTERM exit 0. Prints Markdown, then one summary line last; exit 1 when
any request is unaccounted, answered twice, failed outside the rules or past its deadline, or
an end check fails.

    make soak-proxy SOAK_SECONDS=600
    .venv-test/bin/python Benchmarks/proxy_soak.py --seconds 60 --json proxy-soak.json
"""
import asyncio
import json
import os
import signal
import sys
import tempfile
import time

from benchlib import cli, metrics
from benchlib.data import test_prompts
from benchlib.paths import ARENA_HARD, GSM8K, relative, router_binary
from benchlib.process import Server, ServerError, free_port, raise_open_files_limit, request
from proxysoaklib.accounting import account, healthy_tier_latency
from proxysoaklib.clients import Clients
from proxysoaklib.descriptors import descriptor_kinds
from proxysoaklib.report import render, summary_line
from proxysoaklib.schedule import FaultRunner, plan
from proxysoaklib.upstreams import Tier, temporary_dir
from soaklib.harness import proc_sample

TIMEOUTS = {"connect_ms": 1000, "first_byte_ms": 15000, "total_ms": 40000}
BREAKER = {"failures": 3, "cooldown_ms": 2000, "max_cooldown_ms": 8000}
GRACE_S = 3.0
WORKERS = 32  # serve --workers' default: at most that many upstream transfers exist


def log(message):
    print("proxy-soak: " + message, file=sys.stderr, flush=True)


def breakers(port):
    status, body = request(port, "GET", "/v1/config", timeout=10)
    if status != 200:
        return None
    return {t["name"]: t["breaker"]["state"] for t in json.loads(body)["upstreams"]["tiers"]}


def process_sample(pid, port, tiers):
    """RSS, descriptors (and by kind), threads of the router; None when it is gone."""
    sample = proc_sample(pid)
    if sample is not None:
        sample["descriptors"] = descriptor_kinds(pid, port, {t.relay_port for t in tiers})
    return sample


async def sampler(pid, port, tiers, every, samples, origin, stop):
    while not stop.is_set():
        sample = {"t": round(time.monotonic() - origin, 1), **(process_sample(pid, port, tiers) or {})}
        try:
            sample["breakers"] = await asyncio.to_thread(breakers, port)
        except OSError as error:
            sample["breakers"] = "error: %s" % error
        samples.append(sample)
        try:
            await asyncio.wait_for(stop.wait(), every)
        except asyncio.TimeoutError:
            pass


async def soak(args, port, pid, tiers, result):
    try:
        import openai  # noqa: PLC0415 - optional: only the openai clients need it
    except ImportError:
        openai = None
        result["notes"].append("no openai package in %s: its clients' share runs as plain clients" % sys.executable)
    prompts = [p[:160] for p in test_prompts(GSM8K, 30) + test_prompts(ARENA_HARD, 10)]
    deadline_s = args.timeout_ms / 1000 + TIMEOUTS["total_ms"] / 1000 + GRACE_S
    clients = Clients(port, prompts, args.max_tokens, args.pause, deadline_s + 15, args.seed, openai)
    result["deadline_s"] = deadline_s
    # Warm-up without faults (the verdict cache learns the prompts, the upstream connection pool
    # fills), then the idle sample.
    log("warm-up: %d clients for %d s" % (args.clients, args.warmup))
    await clients.run(args.clients, args.warmup, "warmup")
    await asyncio.sleep(3)
    result["idle_start"] = process_sample(pid, port, tiers)
    events = plan(args.seconds)
    result["plan"] = [{"at_s": round(o, 1), "kind": k, "tiers": n, "duration_s": round(d, 1)} for o, k, n, d in events]
    origin = time.monotonic()
    result["origin_wall"] = time.time()
    stop = asyncio.Event()
    samples = result["samples"]
    sampling = asyncio.ensure_future(sampler(pid, port, tiers, args.sample_every, samples, origin, stop))
    runner = FaultRunner(tiers, events if not args.no_faults else [], log).start()
    log("running %d clients for %d s with %d faults (idle start %s)" % (args.clients, args.seconds, len(events),
                                                                        result["idle_start"]))
    failures = await clients.run(args.clients, args.seconds, "run")
    await asyncio.to_thread(runner.finish, 180)
    stop.set()
    await sampling
    # Breakers that opened on the last failures close when a request probes them after their
    # cool-down: one request at a time to each tier until both are closed (or a minute passed).
    probes, until = 0, time.monotonic() + 60
    while time.monotonic() < until:
        state = await asyncio.to_thread(breakers, port)
        if state and all(s == "closed" for s in state.values()):
            break
        for model in ("router-0.0", "router-1.0"):
            probes += 1
            await clients.probe(model, probes)
        await asyncio.sleep(1)
    result["end_probes"] = probes
    result["client_task_failures"] = [repr(f) for f in failures]
    result["fault_errors"] = runner.errors
    result["windows"] = runner.windows
    return clients.records


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("--seconds", type=int, default=600, help="length of the run with faults (default 600)")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients (default 64)")
    parser.add_argument("--max-tokens", type=int, default=4, help="max_tokens of each request (default 4)")
    parser.add_argument("--pause", type=float, default=15.0,
                        help="mean pause between a client's requests, s (default 15: two 1-thread upstreams on 2 shared cores)")
    parser.add_argument("--timeout-ms", type=int, default=2000, help="serve --timeout-ms, the scoring deadline (default 2000)")
    parser.add_argument("--warmup", type=int, default=20, help="seconds of traffic without faults before the idle sample")
    parser.add_argument("--sample-every", type=float, default=5, help="seconds between RSS/descriptor/breaker samples")
    parser.add_argument("--no-faults", action="store_true", help="the same traffic without the fault schedule")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="FILE", help="write the results and every request's record as JSON")
    cli.add_router_option(parser)
    args = parser.parse_args()
    if args.seconds < 30 or not 1 <= args.clients <= 1000:
        parser.error("--seconds must be at least 30 and --clients in 1...1000")
    binary = router_binary(args.router)
    if not os.access(binary, os.X_OK):
        print("proxy-soak: no router binary at %s (swift build -c release)" % binary, file=sys.stderr)
        return 2
    raise_open_files_limit(args.clients * 4 + 256, "proxy-soak")

    def terminated(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminated)  # so the servers and relays this script started are stopped too

    log_dir = temporary_dir()
    result = {"seconds": args.seconds, "clients": args.clients, "max_tokens": args.max_tokens, "pause_s": args.pause,
              "timeouts": TIMEOUTS, "breaker": BREAKER, "notes": [], "samples": [], "log_dir": log_dir}
    tiers, router, records = [], None, {}
    code = 1
    try:
        log("starting llama-server x2 and their relays (logs in %s)" % log_dir)
        tiers = [Tier("strong", log_dir).start(), Tier("weak", log_dir).start()]
        upstreams = {t.name: t.upstream_entry for t in tiers}
        upstreams.update({"timeouts": TIMEOUTS, "breaker": BREAKER})
        config_path = os.path.join(log_dir, "upstreams.json")
        with open(config_path, "w") as f:
            json.dump(upstreams, f)
        port = free_port()
        command = [binary, "serve", "--port", str(port), "--upstreams", config_path, "--threads", "1",
                   "--timeout-ms", str(args.timeout_ms)]
        result["router_command"] = " ".join([relative(binary)] + command[1:])
        router = Server("causal-router", command, keep_log=True, log_prefix="proxy-soak-router").start()
        router.wait_healthy(port, deadline_s=180)
        records = asyncio.run(soak(args, port, router.pid, tiers, result))
        # The end: quiet, then descriptors, breakers, /healthz, SIGTERM.
        time.sleep(5)
        result["idle_end"] = process_sample(router.pid, port, tiers)
        try:
            result["breakers_end"] = breakers(port)
            result["healthz_end"] = request(port, "GET", "/healthz", timeout=10)[0]
            result["metrics_end"] = {k: v for k, v in metrics.parse(request(port, "GET", "/metrics", timeout=10)[1].decode()).items()
                                     if k.startswith(("causal_router_upstream_requests_total", "causal_router_upstream_failovers_total",
                                                      "causal_router_upstream_breaker_opened_total"))}
        except OSError as error:
            result["breakers_end"], result["healthz_end"] = None, "error: %s" % error
        how, rc = router.stop(30)
        result["sigterm"] = {"how": how, "exit": rc}
        router = None
        code = 0
    except (ServerError, OSError) as error:
        log("failed: %s" % error)
        result["notes"].append("the run failed: %s" % error)
    except KeyboardInterrupt:
        log("interrupted")
        result["notes"].append("interrupted")
    finally:
        if router is not None:
            log("router log tail:\n" + router.log_tail(3000))
            router.stop(10)
        deliveries = [d for t in tiers for d in t.deliveries()]
        for t in tiers:
            t.stop()
    windows = result.get("windows", [])
    tail_s = BREAKER["max_cooldown_ms"] / 1000 + 2
    result["accounting"] = account(records, deliveries, windows, ["strong", "weak"], result.get("deadline_s", 0), tail_s)
    result["accounting"]["tail_s"] = tail_s
    result["latency"] = healthy_tier_latency(records, windows, ["strong", "weak"])
    result["deliveries"] = {"total": len(deliveries), "by_how": {}}
    for d in deliveries:
        key = "%s %s" % (d.get("tier"), d.get("how"))
        result["deliveries"]["by_how"][key] = result["deliveries"]["by_how"].get(key, 0) + 1
    passed = code == 0 and verdict(result)
    result["pass"] = passed
    print(render(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**result, "records": list(records.values())}, f, indent=1, default=str)
    print(summary_line(result))
    return 0 if passed else 1


def verdict(result):
    a = result["accounting"]
    d0, d1 = (result.get("idle_start") or {}).get("descriptors"), (result.get("idle_end") or {}).get("descriptors")
    result["checks"] = {
        "requests accounted": not a["unaccounted"] and a["unknown_relay_ids"] == 0,
        "none answered twice": not a["answered_twice"],
        "no error outside the rules": not a["outside_rules"],
        "none past the deadline": not a["past_deadline"],
        # Idle again: no client connection left, nothing else grown; the upstream pool within
        # its bound (each transfer's socketpair and at most one connection per tier, live or
        # reset by the upstream and not yet noticed by libcurl).
        "descriptors back to idle": bool(d0 and d1) and d1["clients"] == 0 and d1["other"] <= d0["other"]
        and d1["wakeup"] <= 2 * WORKERS and d1["upstream"] + d1["closed_sockets"] <= d1["wakeup"],
        "breakers closed at the end": bool(result.get("breakers_end")) and all(
            s == "closed" for s in result["breakers_end"].values()),
        "/healthz 200 at the end": result.get("healthz_end") == 200,
        "SIGTERM exit 0": result.get("sigterm", {}).get("how") == "sigterm" and result["sigterm"].get("exit") == 0,
        "no fault failed to apply": not result.get("fault_errors"),
        "no client task failed": not result.get("client_task_failures"),
    }
    return all(result["checks"].values())


if __name__ == "__main__":
    sys.exit(main())
