"""The soak's faults: malformed and oversized requests, half-open and slowloris connections,
and clients that vanish mid-request; each counted by variant."""
import asyncio
import json

from soaklib.wire import CLIENT_TIMEOUT_S, bucket_of, request_bytes, send_and_collect, statuses_in

VALID = ("route", "chat")


class FaultClients:
    """Mixed into Soak (soaklib.harness): uses its prompts, limits, counters and client loop."""

    def malformed_request(self, variant, rng):
        q = json.dumps(self.prompt(rng))[1:-1][:200]
        post = lambda body, **kw: request_bytes("POST", "/v1/route", body, **kw)  # noqa: E731
        return {
            "bad_json": lambda: post(b'{"query": "' + q.encode() + b'", "timeout_ms": '),
            "not_an_object": lambda: post(b'["' + q.encode() + b'"]'),
            "wrong_type": lambda: post(rng.choice([b'{"query": 42}', b'{"messages": "hello"}',
                                                   b'{"messages": [{"role": "user", "content": 7}]}',
                                                   b'{"query": null}'])),
            "bad_option": lambda: post(rng.choice([b'{"query": "hi", "timeout_ms": -5}',
                                                   b'{"query": "hi", "threshold": 7}',
                                                   b'{"query": "hi", "timeout_ms": "soon"}'])),
            "query_and_messages": lambda: post(b'{"query": "a", "messages": [{"role": "user", "content": "b"}]}'),
            "missing_query": lambda: post(b'{"timeout_ms": 1000}'),
            "empty_body": lambda: post(b""),
            "invalid_utf8": lambda: post(b'{"query": "caf\xc3\x28 \xff\xfe \xed\xa0\x80 bad"}'),
            "content_length_short": lambda: post(b'{"query": "' + q.encode() + b'"}', content_length=9),
            "content_length_long": lambda: post(b'{"query": "' + q.encode() + b'"}', content_length=4096),
            "content_length_invalid": lambda: (b"POST /v1/route HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n"
                                               b'{"query":"x"}'),
            "bad_request_line": lambda: b"HELLO THERE\r\n\r\n",
            "bad_header": lambda: b"GET /healthz HTTP/1.1\r\nHost 127.0.0.1\r\nNo colon here\r\n\r\n",
            "bad_version": lambda: b"GET /healthz HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n",
            "chunked": lambda: (b"POST /v1/route HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                b'd\r\n{"query":"x"}\r\n0\r\n\r\n'),
            "wrong_method": lambda: request_bytes("GET", "/v1/route"),
            "unknown_path": lambda: request_bytes("POST", "/v1/nothing", b'{"query": "x"}'),
            "batch_too_long": lambda: request_bytes("POST", "/v1/route/batch",
                                                    json.dumps({"queries": ["q"] * 1025}).encode()),
            "batch_empty": lambda: request_bytes("POST", "/v1/route/batch", b'{"queries": []}'),
        }[variant]()

    MALFORMED = ["bad_json", "not_an_object", "wrong_type", "bad_option", "query_and_messages",
                 "missing_query", "empty_body", "invalid_utf8", "content_length_short",
                 "content_length_long", "content_length_invalid", "bad_request_line", "bad_header",
                 "bad_version", "chunked", "wrong_method", "unknown_path", "batch_too_long", "batch_empty"]

    async def malformed_client(self, rng):
        async def step(s, conn):
            variant = rng.choice(self.MALFORMED)
            data = self.malformed_request(variant, rng)
            if variant in ("content_length_short", "content_length_long"):
                # A fresh connection; everything the server sends until it closes. Long: the
                # client half-closes, so the body never completes.
                conn.close()
                ended = await self.fresh_exchange(s, conn, variant, [(data, 0)], 60,
                                                  half_close=variant == "content_length_long")
                for extra in ended[0][1:] if ended else []:
                    self.count(s, "%s_extra" % extra, variant)
            else:
                s["sent"] += 1
                try:
                    status, _, _ = await conn.exchange(data, timeout=60, stats=s)
                    self.count(s, status, variant)
                except Exception as error:  # noqa: BLE001
                    self.count(s, bucket_of(error), variant)
            return 0.2, 1.0
        await self.client_loop("malformed", rng, step)

    async def fresh_exchange(self, s, conn, variant, pieces, limit_s, half_close=False):
        """One request on a fresh connection: writes pieces while reading until the server closes,
        counts the first status (or how it ended) under `variant`, closes. Returns (statuses, how
        it ended, seconds held), or None when the connection failed (counted as its error)."""
        s["sent"] += 1
        try:
            await conn.open()
            got, how, held = await send_and_collect(conn, pieces, limit_s, lambda: self.stopping, half_close)
        except Exception as error:  # noqa: BLE001 - an outcome, not a bug
            self.count(s, bucket_of(error), variant)
            return None
        finally:
            conn.close()
        found = statuses_in(got)
        self.count(s, found[0] if found else how, variant)
        return found, how, held

    def record_held(self, s, variant, held):
        """How long the server kept a connection it should cut (not counted once stopping)."""
        if not self.stopping:
            s["held_s"].append(held)
            s["variants"][variant].setdefault("held_s", []).append(round(held, 2))

    async def oversized_client(self, rng):
        if self.oversized_body is None:
            filler = b"x" * (self.max_body + 1 - len(b'{"query": ""}'))
            self.oversized_body = b'{"query": "' + filler + b'"}'

        async def step(s, conn):
            variant = rng.choice(["body_over_limit", "body_over_limit", "body_well_over_limit", "huge_headers"])
            if variant == "body_over_limit":
                data = request_bytes("POST", "/v1/route", self.oversized_body)
            elif variant == "body_well_over_limit":
                data = request_bytes("POST", "/v1/route", self.oversized_body + b" " * rng.randint(1, 65536))
            else:
                data = request_bytes("POST", "/v1/route", b'{"query": "x"}',
                                     headers=["X-Padding-%d: %s" % (i, "p" * 1000) for i in range(70)])
            chunk = 256 * 1024
            await self.fresh_exchange(s, conn, variant, [(data[i:i + chunk], 0) for i in range(0, len(data), chunk)], 60)
            return 1.0, 3.0
        await self.client_loop("oversized", rng, step)

    async def halfopen_client(self, rng):
        body = b'{"query": "What is the capital of France?", "timeout_ms": 2000}'
        full = request_bytes("POST", "/v1/route", body)
        head_end = full.index(b"\r\n\r\n") + 4

        async def step(s, conn):
            variant = rng.choice(["half_request_line", "half_headers", "half_body", "nothing"])
            partial = {"half_request_line": full[:9], "half_headers": full[:head_end - 20],
                       "half_body": full[:head_end + len(body) // 2], "nothing": b""}[variant]
            ended = await self.fresh_exchange(s, conn, variant, [(partial, 0)] if partial else [], 120)
            if ended and ended[1] != "client_timeout":
                self.record_held(s, variant, ended[2])
            return 0.5, 2.0
        await self.client_loop("halfopen", rng, step)

    async def slowloris_client(self, rng):
        async def step(s, conn):
            body = json.dumps({"query": self.prompt(rng)[:80], "timeout_ms": self.deadline_ms}).encode()
            data = request_bytes("POST", "/v1/route", body)
            head_end = data.index(b"\r\n\r\n") + 4
            variant = rng.choice(["slow_head", "slow_body"])
            if variant == "slow_head":
                pieces = [(data[i:i + 1], rng.uniform(0.5, 1.5) if i else 0) for i in range(len(data))]
            else:
                pieces = [(data[:head_end], 0)] + [(data[i:i + 1], rng.uniform(0.5, 1.5))
                                                   for i in range(head_end, len(data))]
            ended = await self.fresh_exchange(s, conn, variant, pieces, 300)
            if ended and ended[0] and ended[1] != "client_timeout":
                self.record_held(s, variant, ended[2])
            return 0.5, 2.0
        await self.client_loop("slowloris", rng, step)

    async def vanish_client(self, rng):
        async def step(s, conn):
            variant = rng.choice(["close_at_once", "close_while_scored", "reset_mid_response"])
            if variant == "reset_mid_response" and rng.random() < 0.5:
                data = request_bytes("POST", "/v1/route/batch",
                                     json.dumps(self.batch_body(rng, rng.randint(4, 16))).encode())
            else:
                data = request_bytes("POST", "/v1/route",
                                     json.dumps(self.route_body(rng.choice(VALID), rng)).encode())
            s["sent"] += 1
            try:
                await conn.open()
                conn.writer.write(data)
                await conn.writer.drain()
                if variant == "close_at_once":
                    conn.close()
                    self.count(s, "vanished", variant)
                elif variant == "close_while_scored":
                    await asyncio.sleep(rng.uniform(0.05, self.deadline_ms / 1000 * 1.2))
                    conn.close()
                    self.count(s, "vanished", variant)
                else:
                    got = await asyncio.wait_for(conn.reader.read(rng.randint(1, 100)), CLIENT_TIMEOUT_S)
                    conn.close(reset=True)
                    self.count(s, "vanished_mid_response" if got else "closed", variant)
            except Exception as error:  # noqa: BLE001
                self.count(s, bucket_of(error), variant)
            conn.close()
            return 0.2, 1.0
        await self.client_loop("vanish", rng, step)
