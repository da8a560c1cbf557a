#!/usr/bin/env python3
"""Half-open connection check (standard library only) for a running `causal-router serve`.

Times R real POST /v1/route requests (a baseline), then opens N connections to the loopback
server, sends each a partial request (half a request line or half the headers) and leaves it
open, times R real requests again on fresh connections, and reports status codes and latencies
as JSON. Everything is closed at exit.

  halfopen.py --port 8321 -n 600 -r 5 [--key KEY]

Bounded on purpose: loopback only, at most 5000 connections, 30 s per request.
"""
import http.client
import json
import socket
import time

from benchlib import cli
from benchlib.process import raise_open_files_limit

PARTIALS = [b"POST /v1/route HT", b"POST /v1/route HTTP/1.1\r\nContent-Type: applic",
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"]


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("--port", type=int, default=8321)
    parser.add_argument("-n", "--connections", type=int, default=600)
    parser.add_argument("-r", "--requests", type=int, default=5)
    parser.add_argument("--key", help="API key, when the server has --api-key-file")
    args = parser.parse_args()
    if not 1 <= args.connections <= 5000:
        parser.error("-n must be in 1...5000")
    raise_open_files_limit(args.connections + 64, "halfopen")

    headers = {"Content-Type": "application/json"}
    if args.key:
        headers["Authorization"] = "Bearer " + args.key

    def timed_requests():
        results = []
        for i in range(args.requests):
            body = json.dumps({"query": "What is the capital of France? (%d)" % i, "timeout_ms": 20000})
            start = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                conn.request("POST", "/v1/route", body=body, headers=headers)
                response = conn.getresponse()
                payload = json.loads(response.read() or b"{}")
                results.append({"status": response.status, "ms": round((time.monotonic() - start) * 1000, 1),
                                "fallback": payload.get("fallback")})
                conn.close()
            except OSError as error:
                results.append({"status": None, "ms": round((time.monotonic() - start) * 1000, 1), "error": str(error)})
        return results

    baseline = timed_requests()
    held = []
    opened_at = time.monotonic()
    try:
        for i in range(args.connections):
            s = socket.create_connection(("127.0.0.1", args.port), timeout=5)
            s.sendall(PARTIALS[i % len(PARTIALS)])
            held.append(s)
        open_seconds = time.monotonic() - opened_at
        time.sleep(0.5)  # let the server accept them all
        results = timed_requests()
        # How many of the half-open connections the server still held at the end.
        still_open = 0
        for s in held:
            s.setblocking(False)
            try:
                still_open += 0 if s.recv(1, socket.MSG_PEEK) == b"" else 0
            except BlockingIOError:
                still_open += 1
            except OSError:
                pass
        print(json.dumps({"half_open": args.connections, "opened_in_s": round(open_seconds, 2),
                          "still_open_after": still_open, "baseline": baseline, "with_half_open": results}))
    finally:
        for s in held:
            s.close()


if __name__ == "__main__":
    main()
