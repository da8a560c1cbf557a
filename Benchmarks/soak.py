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
import argparse
import asyncio
import json
import os
import random
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
import loadgen  # noqa: E402

PROMPT_FILES = ["data/routellm/gsm8k.jsonl", "data/arena_hard/gpt4_0613_vs_gpt35_turbo.jsonl"]

# Shares of the connections, in this order; rounding leftovers go to "route".
MIX = [("route", 55), ("chat", 10), ("batch", 5), ("malformed", 8), ("oversized", 4),
       ("halfopen", 8), ("slowloris", 5), ("vanish", 5)]
VALID = ("route", "chat")
CLIENT_TIMEOUT_S = 120.0  # the longest a client waits for an answer it expects
READ_LIMIT = 1 << 20


def percentile(values, p):
    """loadgen's interpolated percentile, None for no values (the tables print a dash)."""
    return loadgen.percentile(values, p) if values else None


# --------------------------------------------------------------------------- server process

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_sample(pid):
    """RSS (MiB), open descriptors and threads of a process, from /proc; None when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            status = f.read()
        fds = len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None
    rss = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.M)
    threads = re.search(r"^Threads:\s+(\d+)", status, re.M)
    state = re.search(r"^State:\s+(\S)", status, re.M)
    if state and state.group(1) in "ZX":
        return None
    cpu_s = None
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu_s = round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)  # utime + stime
    except (OSError, IndexError, ValueError):
        pass
    return {"rss_mib": round(int(rss.group(1)) / 1024, 1) if rss else None, "fds": fds,
            "threads": int(threads.group(1)) if threads else None, "cpu_s": cpu_s}


def alive(pid, proc):
    if proc is not None:
        return proc.poll() is None
    return proc_sample(pid) is not None


def parse_metrics(text):
    """Prometheus text -> {"name{labels}": value}."""
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            values[name] = float(value)
        except ValueError:
            pass
    return values


# --------------------------------------------------------------------------- HTTP over asyncio

class NoAnswer(Exception):
    """The connection ended before a whole response; .bucket says how, .partial what came."""

    def __init__(self, bucket, partial=b""):
        super().__init__(bucket)
        self.bucket = bucket
        self.partial = partial


def bucket_of(error):
    if isinstance(error, NoAnswer):
        return error.bucket
    if isinstance(error, asyncio.IncompleteReadError):
        return "closed"
    if isinstance(error, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return "reset"
    if isinstance(error, asyncio.TimeoutError):
        return "client_timeout"
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, OSError):
        return "oserror"
    return "error:" + type(error).__name__


def request_bytes(method, path, body=b"", headers=None, content_length=None):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"]
    if body or method == "POST":
        lines.append("Content-Type: application/json")
        lines.append("Content-Length: %d" % (len(body) if content_length is None else content_length))
    lines.extend(headers or [])
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def read_response(reader):
    """One response: (status, headers, body). Raises NoAnswer when the connection ends first."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        raise NoAnswer("closed", error.partial) from None
    except asyncio.LimitOverrunError:
        raise NoAnswer("bad_response") from None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise NoAnswer("bad_response", head)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0") or 0)
    try:
        body = await reader.readexactly(length) if length else b""
    except asyncio.IncompleteReadError as error:
        raise NoAnswer("closed_mid_body", head + error.partial) from None
    return int(parts[1]), headers, body


def statuses_in(data):
    """Statuses of the whole or partial responses in a byte string the server sent."""
    found = []
    while data:
        end = data.find(b"\r\n\r\n")
        if not data.startswith(b"HTTP/"):
            break
        parts = data[:max(end, 0) or len(data)].split(b" ", 2)
        if len(parts) >= 2 and parts[1][:3].isdigit():
            found.append(int(parts[1][:3]))
        if end < 0:
            break
        m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", data[:end])
        data = data[end + 4 + (int(m.group(1)) if m else 0):]
    return found


class Conn:
    """One client connection, reopened when the server closed it."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None
        self.uses = 0

    async def open(self):
        self.close()
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port, limit=READ_LIMIT), 30)
        self.uses = 0

    def close(self, reset=False):
        writer, self.writer, self.reader = self.writer, None, None
        if writer is None:
            return
        try:
            if reset:
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
            else:
                writer.close()
        except OSError:
            pass

    async def exchange(self, data, timeout=CLIENT_TIMEOUT_S, stats=None):
        """Sends a request and reads its response on a kept-alive connection (reopened when
        needed; one retry when a reused connection was closed before answering)."""
        for attempt in (0, 1):
            if self.writer is None:
                await self.open()
            reused = self.uses > 0
            try:
                self.writer.write(data)
                await self.writer.drain()
                status, headers, body = await asyncio.wait_for(read_response(self.reader), timeout)
            except (NoAnswer, ConnectionError) as error:
                self.close()
                if reused and attempt == 0 and not getattr(error, "partial", b""):
                    if stats is not None:
                        stats["keepalive_retries"] = stats.get("keepalive_retries", 0) + 1
                    continue
                raise
            except BaseException:
                self.close()
                raise
            self.uses += 1
            if headers.get("connection", "").lower() == "close":
                self.close()
            return status, headers, body


async def collect(reader, limit_s):
    """Everything the server sends until it closes (or limit_s): (bytes, how it ended)."""
    data = b""
    deadline = time.monotonic() + limit_s
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return data, "client_timeout"
            chunk = await asyncio.wait_for(reader.read(65536), left)
            if not chunk:
                return data, "closed"
            data += chunk
    except asyncio.TimeoutError:
        return data, "client_timeout"
    except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
        return data, "reset"


# --------------------------------------------------------------------------- the soak

class Soak:
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
        for name in PROMPT_FILES:
            path = os.path.join(ROOT, name)
            try:
                with open(path) as f:
                    for line in f:
                        if line.strip():
                            text = json.loads(line).get("prompt")
                            if isinstance(text, str) and text.strip():
                                prompts.append(text)
            except OSError as error:
                print("soak: cannot read %s (%s)" % (path, error), file=sys.stderr)
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

    # ---- valid traffic

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

    async def valid_client(self, kind, rng):
        s = self.kind_stats(kind)
        conn = Conn(self.host, self.port)
        try:
            while not self.stopping:
                data = request_bytes("POST", "/v1/route", json.dumps(self.route_body(kind, rng)).encode())
                s["sent"] += 1
                start = time.monotonic()
                try:
                    status, _, body = await conn.exchange(data, stats=s)
                except Exception as error:  # noqa: BLE001 - an outcome, not a bug
                    self.count(s, bucket_of(error))
                    await self.think(rng, 0.2, 1.0)
                    continue
                ms = (time.monotonic() - start) * 1000
                self.count(s, status)
                if status == 200:
                    s["latency_ms"].append(ms)
                    try:
                        self.record_verdict(s, json.loads(body), ms)
                    except ValueError:
                        self.count(s, "bad_json_200")
                await self.think(rng, 0.1, 1.0)
        finally:
            conn.close()

    async def batch_client(self, rng):
        s = self.kind_stats("batch")
        conn = Conn(self.host, self.port)
        try:
            while not self.stopping:
                data = request_bytes("POST", "/v1/route/batch",
                                     json.dumps(self.batch_body(rng, rng.randint(8, 48))).encode())
                s["sent"] += 1
                start = time.monotonic()
                try:
                    status, _, body = await conn.exchange(data, stats=s)
                except Exception as error:  # noqa: BLE001
                    self.count(s, bucket_of(error))
                    await self.think(rng, 0.5, 2.0)
                    continue
                ms = (time.monotonic() - start) * 1000
                self.count(s, status)
                if status == 200:
                    s["latency_ms"].append(ms)
                    try:
                        verdicts = json.loads(body).get("verdicts", [])
                    except ValueError:
                        verdicts = []
                        self.count(s, "bad_json_200")
                    for v in verdicts:
                        s["verdicts"] += 1
                        if v.get("fallback"):
                            s["verdict_fallbacks"] += 1
                            reason = str(v.get("reason"))
                            s["reasons"][reason] = s["reasons"].get(reason, 0) + 1
                await self.think(rng, 0.5, 2.0)
        finally:
            conn.close()

    # ---- faults

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
        s = self.kind_stats("malformed")
        conn = Conn(self.host, self.port)
        try:
            while not self.stopping:
                variant = rng.choice(self.MALFORMED)
                data = self.malformed_request(variant, rng)
                s["sent"] += 1
                if variant in ("content_length_short", "content_length_long"):
                    # A fresh connection; everything the server sends until it closes. Long: the
                    # client half-closes, so the body never completes.
                    conn.close()
                    try:
                        await conn.open()
                        conn.writer.write(data)
                        await conn.writer.drain()
                        if variant == "content_length_long":
                            conn.writer.write_eof()
                        got, how = await collect(conn.reader, 60)
                    except Exception as error:  # noqa: BLE001
                        got, how = b"", bucket_of(error)
                    conn.close()
                    found = statuses_in(got)
                    self.count(s, found[0] if found else how, variant)
                    for extra in found[1:]:
                        self.count(s, "%s_extra" % extra, variant)
                else:
                    try:
                        status, _, _ = await conn.exchange(data, timeout=60, stats=s)
                        self.count(s, status, variant)
                    except Exception as error:  # noqa: BLE001
                        self.count(s, bucket_of(error), variant)
                await self.think(rng, 0.2, 1.0)
        finally:
            conn.close()

    async def send_and_collect(self, conn, pieces, limit_s):
        """Writes pieces [(bytes, delay_before)] while reading whatever the server sends; stops
        writing once the server has closed. Returns (bytes received, how it ended, seconds)."""
        start = time.monotonic()
        reading = asyncio.ensure_future(collect(conn.reader, limit_s))
        try:
            for piece, delay in pieces:
                if delay:
                    await asyncio.wait({reading}, timeout=delay)
                if reading.done() or self.stopping:
                    break
                try:
                    conn.writer.write(piece)
                    await asyncio.wait_for(conn.writer.drain(), 30)
                except (ConnectionError, asyncio.TimeoutError):
                    break
            got, how = await reading
        finally:
            if not reading.done():
                reading.cancel()
        return got, how, time.monotonic() - start

    async def fresh_exchange(self, s, conn, variant, pieces, limit_s):
        """One request on a fresh connection: writes pieces while reading until the server closes,
        counts the first status (or how it ended) under `variant`, closes. Returns (statuses, how
        it ended, seconds held), or None when the connection failed (counted as its error)."""
        s["sent"] += 1
        try:
            await conn.open()
            got, how, held = await self.send_and_collect(conn, pieces, limit_s)
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
        s = self.kind_stats("oversized")
        conn = Conn(self.host, self.port)
        if self.oversized_body is None:
            filler = b"x" * (self.max_body + 1 - len(b'{"query": ""}'))
            self.oversized_body = b'{"query": "' + filler + b'"}'
        try:
            while not self.stopping:
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
                await self.think(rng, 1.0, 3.0)
        finally:
            conn.close()

    async def halfopen_client(self, rng):
        s = self.kind_stats("halfopen")
        conn = Conn(self.host, self.port)
        body = b'{"query": "What is the capital of France?", "timeout_ms": 2000}'
        full = request_bytes("POST", "/v1/route", body)
        head_end = full.index(b"\r\n\r\n") + 4
        try:
            while not self.stopping:
                variant = rng.choice(["half_request_line", "half_headers", "half_body", "nothing"])
                partial = {"half_request_line": full[:9], "half_headers": full[:head_end - 20],
                           "half_body": full[:head_end + len(body) // 2], "nothing": b""}[variant]
                ended = await self.fresh_exchange(s, conn, variant, [(partial, 0)] if partial else [], 120)
                if ended and ended[1] != "client_timeout":
                    self.record_held(s, variant, ended[2])
                await self.think(rng, 0.5, 2.0)
        finally:
            conn.close()

    async def slowloris_client(self, rng):
        s = self.kind_stats("slowloris")
        conn = Conn(self.host, self.port)
        try:
            while not self.stopping:
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
                await self.think(rng, 0.5, 2.0)
        finally:
            conn.close()

    async def vanish_client(self, rng):
        s = self.kind_stats("vanish")
        conn = Conn(self.host, self.port)
        try:
            while not self.stopping:
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
                await self.think(rng, 0.2, 1.0)
        finally:
            conn.close()

    # ---- observation

    async def get(self, path, timeout=30):
        conn = Conn(self.host, self.port)
        try:
            start = time.monotonic()
            await conn.open()
            status, _, body = await conn.exchange(request_bytes("GET", path), timeout=timeout)
            return status, body, (time.monotonic() - start) * 1000
        finally:
            conn.close()

    async def metrics(self, timeout=30):
        status, body, ms = await self.get("/metrics", timeout)
        return (parse_metrics(body.decode("utf-8", "replace")) if status == 200 else {}), ms

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

    def progress(self):
        sent = sum(s["sent"] for s in self.stats.values())
        return "%d requests sent" % sent

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


# --------------------------------------------------------------------------- report

def fmt_ms(v):
    return "—" if v is None else "%.0f" % v


def summarise(soak, extra):
    deadline = soak.deadline_ms
    kinds = [k for k, _ in MIX]
    per_kind = {}
    for kind in kinds:
        s = soak.stats[kind]
        lat = s["latency_ms"]
        answered = s["scored"] + s["fallback"]
        ended = sum(c for o, c in s["outcomes"].items() if not o.endswith("_extra"))
        if s["sent"] > ended:  # requests still open when the clients were stopped
            s["outcomes"]["stopped_at_end"] = s["sent"] - ended
        per_kind[kind] = {
            "connections": s["connections"], "sent": s["sent"], "outcomes": s["outcomes"],
            "keepalive_retries": s.get("keepalive_retries", 0),
            "variants": s["variants"],
        }
        if kind in VALID or kind == "batch":
            per_kind[kind].update({
                "answered_200": len(lat), "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
                "max_ms": max(lat) if lat else None,
                "over_deadline_share": (sum(1 for v in lat if v > deadline) / len(lat)) if lat else None,
                "fallback_reasons": s["reasons"],
            })
        if kind in VALID:
            per_kind[kind].update({
                "scored": s["scored"], "fail_open": s["fallback"],
                "fail_open_share": s["fallback"] / answered if answered else None,
                "p50_scored_ms": percentile(s["latency_scored_ms"], 50),
                "p99_scored_ms": percentile(s["latency_scored_ms"], 99),
                "p50_fallback_ms": percentile(s["latency_fallback_ms"], 50),
                "p99_fallback_ms": percentile(s["latency_fallback_ms"], 99),
            })
        if kind == "batch":
            per_kind[kind].update({"verdicts": s["verdicts"], "verdict_fail_open": s["verdict_fallbacks"],
                                   "verdict_fail_open_share": s["verdict_fallbacks"] / s["verdicts"] if s["verdicts"] else None})
        if s["held_s"]:
            per_kind[kind].update({"held_s_p50": percentile(s["held_s"], 50), "held_s_max": max(s["held_s"])})
    # route + chat together
    lat = soak.stats["route"]["latency_ms"] + soak.stats["chat"]["latency_ms"]
    scored = soak.stats["route"]["scored"] + soak.stats["chat"]["scored"]
    fallback = soak.stats["route"]["fallback"] + soak.stats["chat"]["fallback"]
    reasons = {}
    for k in VALID:
        for r, c in soak.stats[k]["reasons"].items():
            reasons[r] = reasons.get(r, 0) + c
    valid = {"answered_200": len(lat), "scored": scored, "fail_open": fallback,
             "fail_open_share": fallback / (scored + fallback) if scored + fallback else None,
             "fallback_reasons": reasons, "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
             "max_ms": max(lat) if lat else None,
             "over_deadline_share": (sum(1 for v in lat if v > deadline) / len(lat)) if lat else None}
    depths = [q[1] for q in soak.queue_samples if q[1] is not None]
    queue = {"samples": len(soak.queue_samples), "answered_samples": len(depths),
             "median": percentile(depths, 50), "max": max(depths) if depths else None,
             "max_queue": soak.max_queue,
             "at_cap_share": (sum(1 for d in depths if soak.max_queue is not None and d >= soak.max_queue) / len(depths))
             if depths else None,
             "metrics_ms_p50": percentile([q[4] for q in soak.queue_samples if q[4] is not None], 50),
             "metrics_ms_max": max([q[4] for q in soak.queue_samples if q[4] is not None], default=None)}
    return dict(extra, deadline_ms=deadline, per_kind=per_kind, valid=valid, queue=queue,
                proc_samples=soak.proc_samples, queue_samples=soak.queue_samples)


def render(summary):
    out = []
    a = summary
    out.append("## Soak: %d s, %d connections, deadline %d ms" % (a["seconds"], a["connections"], a["deadline_ms"]))
    out.append("")
    out.append("server: `%s`%s" % (a["server_command"], "" if not a.get("notes") else " — " + "; ".join(a["notes"])))
    out.append("")
    kinds = list(a["per_kind"])
    numeric, other = set(), set()
    for k in kinds:
        for o in a["per_kind"][k]["outcomes"]:
            (numeric if o.isdigit() else other).add(o)
    columns = sorted(numeric, key=int) + sorted(other)
    out.append("| client kind | connections | sent | " + " | ".join(columns) + " |")
    out.append("|---|" + "---:|" * (2 + len(columns)))
    totals = {c: 0 for c in columns}
    tc = ts = 0
    for k in kinds:
        p = a["per_kind"][k]
        tc += p["connections"]
        ts += p["sent"]
        cells = []
        for c in columns:
            v = p["outcomes"].get(c, 0)
            totals[c] += v
            cells.append(str(v) if v else "·")
        out.append("| %s | %d | %d | %s |" % (k, p["connections"], p["sent"], " | ".join(cells)))
    out.append("| **total** | %d | %d | %s |" % (tc, ts, " | ".join(str(totals[c]) for c in columns)))
    out.append("")
    out.append("Outcomes: HTTP status of the (first) answer; `closed`: the server closed without answering; "
               "`reset`: connection reset; `vanished`: the client closed after sending (at once, or while it "
               "was scored); `vanished_mid_response`: it reset the connection after reading the first bytes of the answer; `client_timeout`: no answer in the client's wait; "
               "`N_extra`: a further response on the same connection (the lying Content-Length's leftover); "
               "`stopped_at_end`: still open when the clients were stopped.")
    out.append("")
    d = a["deadline_ms"]
    out.append("| valid requests | answered 200 | scored | fail-open | fail-open share | reasons | p50 ms | p99 ms | max ms | over %d ms |" % d)
    out.append("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")

    def share(v):
        return "—" if v is None else "%.1f %%" % (100 * v)

    def reasons(r):
        return ", ".join("%s %d" % kv for kv in sorted(r.items(), key=lambda kv: -kv[1])) or "—"

    for name, p in [("route", a["per_kind"]["route"]), ("chat", a["per_kind"]["chat"]), ("**route + chat**", a["valid"])]:
        out.append("| %s | %d | %d | %d | %s | %s | %s | %s | %s | %s |" % (
            name, p["answered_200"], p["scored"], p["fail_open"], share(p["fail_open_share"]), reasons(p["fallback_reasons"]),
            fmt_ms(p["p50_ms"]), fmt_ms(p["p99_ms"]), fmt_ms(p["max_ms"]), share(p["over_deadline_share"])))
    b = a["per_kind"]["batch"]
    out.append("| batch (per request; verdicts: %d) | %d | %d | %d | %s | %s | %s | %s | %s | %s |" % (
        b["verdicts"], b["answered_200"], b["verdicts"] - b["verdict_fail_open"], b["verdict_fail_open"],
        share(b["verdict_fail_open_share"]), reasons(b["fallback_reasons"]), fmt_ms(b["p50_ms"]),
        fmt_ms(b["p99_ms"]), fmt_ms(b["max_ms"]), share(b["over_deadline_share"])))
    r, c = a["per_kind"]["route"], a["per_kind"]["chat"]
    out.append("")
    out.append("Scored route+chat verdicts: p50 %s / p99 %s ms; fail-open ones: p50 %s / p99 %s ms (route)." % (
        fmt_ms(r.get("p50_scored_ms")), fmt_ms(r.get("p99_scored_ms")),
        fmt_ms(r.get("p50_fallback_ms")), fmt_ms(r.get("p99_fallback_ms"))))
    for k in ("halfopen", "slowloris"):
        p = a["per_kind"][k]
        held = ", ".join("%s %s s" % (v, fmt_ms(percentile(x.get("held_s", []), 50)) if x.get("held_s") else "—")
                         for v, x in sorted(p["variants"].items()))
        out.append("%s: connection held until the server answered or closed, median per variant: %s." % (k, held))
    q = a["queue"]
    out.append("")
    out.append("Scoring queue (GET /metrics every 2 s, %d of %d answered): depth median %s, max %s of --max-queue %s; "
               "at the cap in %s of samples; /metrics answered in p50 %s / max %s ms." % (
                   q["answered_samples"], q["samples"], fmt_ms(q["median"]), fmt_ms(q["max"]), q["max_queue"],
                   share(q["at_cap_share"]), fmt_ms(q["metrics_ms_p50"]), fmt_ms(q["metrics_ms_max"])))
    out.append("")
    s0, s1 = a["proc_start"] or {}, a["proc_end"] or {}
    loads = [s for _, ph, s in a["proc_samples"] if s and ph.startswith("load")]
    first, last = (loads[0], loads[-1]) if loads else ({}, {})

    def g(s, key):
        v = s.get(key) if s else None
        return "—" if v is None else str(v)

    out.append("| server | start (idle, after warm-up) | under load, first sample | under load, last | max under load | end (idle, after %d s quiet) |" % a["quiet_s"])
    out.append("|---|---:|---:|---:|---:|---:|")
    for key, label in (("rss_mib", "RSS (MiB)"), ("fds", "open descriptors"), ("threads", "threads")):
        mx = max((s[key] for s in loads if s.get(key) is not None), default=None)
        out.append("| %s | %s | %s | %s | %s | %s |" % (label, g(s0, key), g(first, key), g(last, key),
                                                         "—" if mx is None else mx, g(s1, key)))
    out.append("")
    out.append("End: %s; GET /healthz %s%s; %s." % (
        "server process alive" if a["alive_at_end"] else "**server process gone**",
        a["healthz_status"], "" if a["healthz_ms"] is None else " in %.0f ms" % a["healthz_ms"],
        a.get("exit_note", "server left running")))
    m = a.get("metrics_end") or {}
    if m:
        keys = ["causal_router_connections_accepted_total", "causal_router_connections_evicted_total",
                "causal_router_connections_refused_total", "causal_router_request_timeouts_total",
                "causal_router_queries_abandoned_total", "causal_router_open_connections"]
        fb = {k.split('"')[1]: int(v) for k, v in m.items() if k.startswith("causal_router_fallbacks_total{")}
        req = {}
        for k, v in m.items():
            if k.startswith("causal_router_requests_total{"):
                st = re.search(r'status="(\d+)"', k)
                if st:
                    req[st.group(1)] = req.get(st.group(1), 0) + int(v)
        out.append("/metrics at the end: requests by status %s; fallbacks %s; %s." % (
            ", ".join("%s %d" % kv for kv in sorted(req.items())), ", ".join("%s %d" % kv for kv in sorted(fb.items())),
            ", ".join("%s %d" % (k.replace("causal_router_", ""), int(m[k])) for k in keys if k in m)))
    if a.get("run_wall_s"):
        wall = a["run_wall_s"]
        server = a.get("server_cpu_s")
        out.append("CPU during the %.0f s of traffic: server %s, this client %.1f s (%.2f cores)." % (
            wall, "—" if server is None else "%.1f s (%.2f cores)" % (server, server / wall),
            a["client_cpu_s"], a["client_cpu_s"] / wall))
    v = a["verdict"]
    out.append("")
    out.append("Verdict: %s" % v)
    return "\n".join(out)


# --------------------------------------------------------------------------- main

async def wait_healthy(host, port, limit_s, proc):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        conn = Conn(host, port)
        try:
            await conn.open()
            status, _, _ = await conn.exchange(request_bytes("GET", "/healthz"), timeout=5)
            if status == 200:
                return True
        except Exception:  # noqa: BLE001
            pass
        finally:
            conn.close()
        await asyncio.sleep(0.5)
    return False


async def main_async(args, host, port, pid, proc, extra):
    if not await wait_healthy(host, port, args.ready_timeout, proc):
        print("soak: the server did not answer GET /healthz 200 within %d s" % args.ready_timeout, file=sys.stderr)
        return None, 1
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
        conn = Conn(host, port)
        try:
            await conn.open()
            await conn.exchange(request_bytes("POST", "/v1/route", body), timeout=90)
        except Exception as error:  # noqa: BLE001
            print("soak: warm-up request failed: %r" % error, file=sys.stderr)
        finally:
            conn.close()
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=600, help="length of the mixed traffic (default 600)")
    parser.add_argument("--connections", type=int, default=1000, help="client connections (default 1000)")
    parser.add_argument("--deadline-ms", type=int, default=2000, help="timeout_ms of valid requests (default 2000)")
    parser.add_argument("--threads", type=int, help="serve --threads (default: the server's)")
    parser.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                        help="one more argument for serve (repeat; e.g. --serve-arg=--workers --serve-arg=64)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/causal-router"))
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

    need = args.connections + 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need if hard == resource.RLIM_INFINITY else min(hard, need), hard))
        if min(hard, need) < need:
            print("soak: RLIMIT_NOFILE hard limit %d is below %d; connections may fail" % (hard, need), file=sys.stderr)

    def terminated(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminated)  # so a server this script started is stopped too

    proc, log = None, None
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
        log = tempfile.NamedTemporaryFile(prefix="soak-serve-", suffix=".log", delete=False)
        proc = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        pid = proc.pid
        extra["server_command"] = " ".join(os.path.relpath(c, ROOT) if c == args.binary else c for c in command)
        extra["server_log"] = log.name
        print("soak: started %s (pid %d, log %s)" % (extra["server_command"], pid, log.name), file=sys.stderr, flush=True)

    code = 1
    soak = None
    try:
        soak, code = asyncio.run(main_async(args, host, port, pid, proc, extra))
    except KeyboardInterrupt:
        print("soak: interrupted", file=sys.stderr)
        code = 130
    finally:
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    rc = proc.wait(30)
                    extra["exit_note"] = "SIGTERM → exit %d" % rc
                    extra["exit_code_after_sigterm"] = rc
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    extra["exit_note"] = "**no exit within 30 s of SIGTERM; killed**"
                    extra["exit_code_after_sigterm"] = None
            else:
                extra["exit_note"] = "**server had exited with %s**" % proc.returncode
                extra["exit_code_before_end"] = proc.returncode
            log.close()
            if code != 0 or extra.get("exit_code_after_sigterm") not in (0,):
                try:
                    with open(log.name, errors="replace") as f:
                        tail = f.read()[-3000:]
                    print("soak: server log tail:\n" + tail, file=sys.stderr)
                except OSError:
                    pass
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
