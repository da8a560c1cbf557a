"""The soak's valid traffic: route (a query), chat (messages) and batch clients, on kept-alive
connections, timing every answer against the deadline."""
import json
import time

from soaklib.wire import bucket_of, request_bytes


class ValidClients:
    """Mixed into Soak (soaklib.harness): uses its prompts, deadline, counters and client loop."""

    def route_body(self, kind, rng):
        if kind == "route":
            return {"query": self.prompt(rng), "timeout_ms": self.deadline_ms}
        messages = []
        if rng.random() < 0.5:
            messages.append({"role": "system", "content": "You are a helpful assistant."})
        if rng.random() < 0.5:
            messages.append({"role": "user", "content": self.prompt(rng)})
            messages.append({"role": "assistant", "content": "Here is a first answer."})
        content = self.prompt(rng)
        if rng.random() < 0.3:  # OpenAI content parts
            content = [{"type": "text", "text": content}]
        messages.append({"role": "user", "content": content})
        return {"messages": messages, "timeout_ms": self.deadline_ms, "model": "router", "temperature": 0}

    def batch_body(self, rng, n):
        queries = []
        for _ in range(n):
            r = rng.random()
            if r < 0.6:
                queries.append(self.prompt(rng))
            elif r < 0.85:
                queries.append({"query": self.prompt(rng)})
            else:
                queries.append({"messages": [{"role": "user", "content": self.prompt(rng)}]})
        return {"queries": queries, "timeout_ms": self.deadline_ms}

    def record_verdict(self, s, verdict, ms):
        if verdict.get("fallback"):
            s["fallback"] += 1
            reason = str(verdict.get("reason"))
            s["reasons"][reason] = s["reasons"].get(reason, 0) + 1
            s["latency_fallback_ms"].append(ms)
        else:
            s["scored"] += 1
            s["latency_scored_ms"].append(ms)

    async def timed_answer(self, s, conn, path, body):
        """POSTs body to path on the kept-alive connection and counts the outcome (and the
        latency of a 200). Returns (the 200's JSON, or None for another status or a body that
        is no JSON, counted as bad_json_200; milliseconds), or None when no answer came."""
        data = request_bytes("POST", path, json.dumps(body).encode())
        s["sent"] += 1
        start = time.monotonic()
        try:
            status, _, answer = await conn.exchange(data, stats=s)
        except Exception as error:  # noqa: BLE001 - an outcome, not a bug
            self.count(s, bucket_of(error))
            return None
        ms = (time.monotonic() - start) * 1000
        self.count(s, status)
        if status != 200:
            return None, ms
        s["latency_ms"].append(ms)
        try:
            return json.loads(answer), ms
        except ValueError:
            self.count(s, "bad_json_200")
            return None, ms

    async def valid_client(self, kind, rng):
        async def step(s, conn):
            answer = await self.timed_answer(s, conn, "/v1/route", self.route_body(kind, rng))
            if answer is None:
                return 0.2, 1.0
            verdict, ms = answer
            if verdict is not None:
                self.record_verdict(s, verdict, ms)
            return 0.1, 1.0
        await self.client_loop(kind, rng, step)

    async def batch_client(self, rng):
        async def step(s, conn):
            answer = await self.timed_answer(s, conn, "/v1/route/batch", self.batch_body(rng, rng.randint(8, 48)))
            for v in (answer[0] or {}).get("verdicts", []) if answer else []:
                s["verdicts"] += 1
                if v.get("fallback"):
                    s["verdict_fallbacks"] += 1
                    reason = str(v.get("reason"))
                    s["reasons"][reason] = s["reasons"].get(reason, 0) + 1
            return 0.5, 2.0
        await self.client_loop("batch", rng, step)
