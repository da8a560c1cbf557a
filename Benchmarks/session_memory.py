#!/usr/bin/env python3
"""What 10,000 sessions cost in memory, on a real `causal-router serve`.

Starts two sidecars in the same run: one with `--sessions N` and, as the peer, one with
`--sessions 0` (affinity off). Sends each the same N /v1/route requests, one query (after the
first, answered from the verdict cache, so no decoding) with N distinct `session_id`s, and
reports the store's own accounting (`causal_router_sessions_bytes` in /metrics, per session)
and each server's resident memory (VmRSS) growth over the requests; the difference between the
two growths is what the sessions cost the process. Standard library only.

    python3 Benchmarks/session_memory.py [--sessions 10000] [--router PATH]
"""
import http.client
import json
import sys

from benchlib import cli, metrics
from benchlib.paths import relative, router_binary
from benchlib.process import Server, ServerError, free_port, kib_to_mib, proc_status


def run(router, sessions, count):
    port = free_port()
    server = Server(f"causal-router --sessions {sessions}", [router, "serve", "--port", str(port), "--threads", "1",
                                                             "--sessions", str(sessions), "--timeout-ms", "600000"]).start()
    try:
        try:
            server.wait_healthy(port, deadline_s=600)
        except ServerError as error:
            sys.exit(f"serve did not start: {error}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

        def route(session):
            body = {"query": "What is the capital of France?", "timeout_ms": 600000}
            if session is not None:
                body["session_id"] = session
            connection.request("POST", "/v1/route", body=json.dumps(body), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            text = response.read()
            if response.status != 200:
                sys.exit(f"status {response.status}: {text[:200]!r}")

        for _ in range(200):   # the cache entry and the connection's buffers, before the baseline
            route(None)
        before = kib_to_mib(proc_status(server.pid)["VmRSS"])
        for index in range(count):
            route(f"conversation-{index:06d}")
        after = kib_to_mib(proc_status(server.pid)["VmRSS"])
        connection.request("GET", "/metrics")
        values = metrics.parse(connection.getresponse().read().decode())
        return after - before, values.get("causal_router_sessions", 0), values.get("causal_router_sessions_bytes", 0)
    finally:
        server.stop()


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("--sessions", type=int, default=10_000, help="sessions to create (default 10000)")
    cli.add_router_option(parser)
    args = parser.parse_args()
    router = router_binary(args.router)
    grown, held, store_bytes = run(router, args.sessions, args.sessions)
    peer_grown, _, _ = run(router, 0, args.sessions)
    print(f"python3 Benchmarks/session_memory.py --sessions {args.sessions}")
    print(f"router: {relative(router)}")
    print(f"sessions held: {held:.0f}; the store's accounting: {store_bytes / 1e6:.2f} MB, "
          f"{store_bytes / max(held, 1):.0f} bytes a session")
    print(f"VmRSS growth over the requests: {grown:.2f} MiB with --sessions {args.sessions}, "
          f"{peer_grown:.2f} MiB with --sessions 0 (the peer); difference {grown - peer_grown:.2f} MiB, "
          f"{(grown - peer_grown) * 1048576 / max(held, 1):.0f} bytes a session")


if __name__ == "__main__":
    main()
