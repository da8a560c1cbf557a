"""The soak's harness: the mix of client kinds, the Soak state (prompts, counters, samples),
the clients' loop, the watchers of the queue and of the server process, and the run."""
import asyncio
import os
import random
import sys
import time

from benchlib import metrics
from benchlib.data import PROMPT_SETS, read_jsonl
from benchlib.process import kib_to_mib, proc_status
from soaklib.faults import VALID, FaultClients
from soaklib.valid import ValidClients
from soaklib.wire import Conn, request_bytes

# Shares of the connections, in this order; rounding leftovers go to "route".
MIX = [("route", 55), ("chat", 10), ("batch", 5), ("malformed", 8), ("oversized", 4),
       ("halfopen", 8), ("slowloris", 5), ("vanish", 5)]


def proc_sample(pid):
    """RSS (MiB), open descriptors and threads of a process, from /proc; None when it is gone."""
    try:
        status = proc_status(pid)
        fds = len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None
    if status.get("State", "")[:1] in ("Z", "X"):
        return None
    cpu_s = None
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu_s = round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)  # utime + stime
    except (OSError, IndexError, ValueError):
        pass
    rss, threads = status.get("VmRSS"), status.get("Threads")
    return {"rss_mib": round(kib_to_mib(rss), 1) if rss else None, "fds": fds,
            "threads": int(threads) if threads else None, "cpu_s": cpu_s}


def alive(pid, proc):
    if proc is not None:
        return proc.poll() is None
    return proc_sample(pid) is not None


class Soak(ValidClients, FaultClients):
    def __init__(self, args, host, port, config, unique):
        self.args = args
        self.host, self.port = host, port
        self.config = config
        self.unique = unique
        self.max_body = int(config.get("limits", {}).get("max_body_bytes", 1 << 20))
        self.max_queue = config.get("limits", {}).get("max_queue")
        self.deadline_ms = args.deadline_ms
        self.rng = random.Random(args.seed)
        self.prompts = self.load_prompts()
        self.counter = 0
        self.stats = {}
        self.stopping = False
        self.queue_samples = []   # (t, queue_depth, open_connections, in_flight, metrics_ms)
        self.proc_samples = []    # (t, phase, sample)
        self.oversized_body = None

    def load_prompts(self):
        prompts = []
        for path in PROMPT_SETS:
            try:
                prompts += [row.get("prompt") for row in read_jsonl(path)]
            except OSError as error:
                print("soak: cannot read %s (%s)" % (path, error), file=sys.stderr)
        prompts = [text for text in prompts if isinstance(text, str) and text.strip()]
        if not prompts:
            prompts = ["What is the capital of France?", "Write a haiku about the sea.",
                       "Prove that the square root of 2 is irrational."]
        return prompts

    def prompt(self, rng):
        text = rng.choice(self.prompts)
        if self.unique:
            self.counter += 1
            text += " (%d)" % self.counter
        return text

    def kind_stats(self, kind):
        s = self.stats.get(kind)
        if s is None:
            s = self.stats[kind] = {"connections": 0, "sent": 0, "outcomes": {}, "latency_ms": [],
                                    "latency_scored_ms": [], "latency_fallback_ms": [], "scored": 0,
                                    "fallback": 0, "reasons": {}, "verdicts": 0, "verdict_fallbacks": 0,
                                    "held_s": [], "variants": {}}
        return s

    @staticmethod
    def count(s, outcome, variant=None):
        key = str(outcome)
        s["outcomes"][key] = s["outcomes"].get(key, 0) + 1
        if variant is not None:
            v = s["variants"].setdefault(variant, {})
            v[key] = v.get(key, 0) + 1

    async def think(self, rng, lo, hi):
        await asyncio.sleep(rng.uniform(lo, hi))

    async def client_loop(self, kind, rng, step):
        """One client connection of `kind` until the soak stops: `await step(stats, conn)` sends
        and counts one request and returns the (lo, hi) seconds to think before the next."""
        s = self.kind_stats(kind)
        conn = Conn(self.host, self.port)
        try:
            while not self.stopping:
                await self.think(rng, *await step(s, conn))
        finally:
            conn.close()

    # ---- observation

    async def once(self, data, timeout=30):
        """One request on its own connection: (status, body, milliseconds)."""
        conn = Conn(self.host, self.port)
        try:
            start = time.monotonic()
            await conn.open()
            status, _, body = await conn.exchange(data, timeout=timeout)
            return status, body, (time.monotonic() - start) * 1000
        finally:
            conn.close()

    async def get(self, path, timeout=30):
        return await self.once(request_bytes("GET", path), timeout)

    async def metrics(self, timeout=30):
        status, body, ms = await self.get("/metrics", timeout)
        return (metrics.parse(body.decode("utf-8", "replace")) if status == 200 else {}), ms

    async def watch_queue(self, t0):
        while not self.stopping:
            try:
                m, ms = await self.metrics()
                self.queue_samples.append((round(time.monotonic() - t0, 1), m.get("causal_router_queue_depth"),
                                           m.get("causal_router_open_connections"),
                                           m.get("causal_router_requests_in_flight"), round(ms, 1)))
            except Exception:  # noqa: BLE001 - a missed sample
                self.queue_samples.append((round(time.monotonic() - t0, 1), None, None, None, None))
            await asyncio.sleep(2)

    async def watch_process(self, pid, t0):
        while not self.stopping:
            await asyncio.sleep(self.args.sample_every)
            if self.stopping:
                break
            sample = proc_sample(pid)
            self.proc_samples.append((round(time.monotonic() - t0, 1), "load", sample))
            print("soak: t=%4.0fs %s" % (time.monotonic() - t0, sample if sample else "server process gone"),
                  file=sys.stderr, flush=True)

    async def run(self, pid):
        kinds = []
        n = self.args.connections
        for kind, share in MIX:
            kinds += [kind] * (n * share // 100)
        kinds += ["route"] * (n - len(kinds))
        self.rng.shuffle(kinds)
        for kind in dict(MIX):
            self.kind_stats(kind)
        for kind in kinds:
            self.kind_stats(kind)["connections"] += 1

        async def client(i, kind):
            rng = random.Random(self.args.seed * 100003 + i)
            await asyncio.sleep(self.ramp_s * i / max(1, n))
            if self.stopping:
                return
            if kind in VALID:
                await self.valid_client(kind, rng)
            else:
                await getattr(self, kind + "_client")(rng)

        t0 = time.monotonic()
        self.ramp_s = min(10.0, self.args.seconds / 10)
        tasks = [asyncio.ensure_future(client(i, kind)) for i, kind in enumerate(kinds)]
        watchers = [asyncio.ensure_future(self.watch_queue(t0)), asyncio.ensure_future(self.watch_process(pid, t0))]
        failed = []
        try:
            end = t0 + self.args.seconds
            while time.monotonic() < end:
                await asyncio.sleep(min(1.0, max(0.0, end - time.monotonic())))
                for t in tasks:
                    if t.done() and not t.cancelled() and t.exception() is not None and t not in failed:
                        failed.append(t)
                        print("soak: a client task failed: %r" % t.exception(), file=sys.stderr)
            self.proc_samples.append((round(time.monotonic() - t0, 1), "load_last", proc_sample(pid)))
        finally:
            self.stopping = True
            for t in tasks + watchers:
                t.cancel()
            await asyncio.gather(*tasks, *watchers, return_exceptions=True)
        return len(failed)
