"""The proxy soak's clients: applications calling the proxy's /v1/chat/completions, each on its
own kept-alive connection, one request at a time with a pause between. Kinds (by client index):

  plain    raw HTTP/1.1, non-streamed
  stream   raw HTTP/1.1, "stream": true, read to the end
  hangup   raw HTTP/1.1, streamed, closes the connection after the first event
  openai   the official openai client (AsyncOpenAI, max_retries=0), streamed every other request

Every request carries its id in the body's "user" field (the relay logs it per upstream
delivery) and gets one record: when it started and ended, what came back (status, the
X-Router-Upstream and X-Router-Failover headers, whether a stream ended with [DONE] or an error
event, whether the first byte had arrived) and the outcome. A client never waits past its
limit: that is an outcome too (client_timeout)."""
import asyncio
import json
import random
import time

KINDS = (("plain", 0.40), ("stream", 0.25), ("hangup", 0.15), ("openai", 0.20))
MODELS = (("router", 0.4), ("router-0.0", 0.2), ("router-1.0", 0.4))  # "router" mostly picks strong here


def kind_of(index, count, has_openai):
    """The kind of client `index` of `count`, in fixed shares (openai's share goes to plain
    when the openai package is missing)."""
    position = (index + 0.5) / count
    edge = 0.0
    for kind, share in KINDS:
        edge += share
        if position < edge:
            return "plain" if kind == "openai" and not has_openai else kind
    return "plain"


def weighted(rng, choices):
    r, edge = rng.random(), 0.0
    for value, share in choices:
        edge += share
        if r < edge:
            return value
    return choices[-1][0]


class Outcome(Exception):
    """A request ended without an answer: .outcome says how."""

    def __init__(self, outcome, detail=""):
        super().__init__(outcome)
        self.outcome, self.detail = outcome, detail


class RawConnection:
    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def ensure(self):
        if self.writer is None:
            self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 10)

    def close(self):
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            try:
                writer.close()
            except OSError:
                pass


async def read_head(reader):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        raise Outcome("no_answer", "closed before a response head (%d bytes)" % len(error.partial)) from None
    except (ConnectionError, OSError) as error:
        raise Outcome("no_answer", "%s before a response head" % type(error).__name__) from None
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


async def body_pieces(reader, headers):
    """Yields the body's pieces as they arrive (Content-Length, chunked or up to the close)."""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return
            data = await reader.readexactly(size + 2)
            yield data[:-2]
    elif "content-length" in headers:
        yield await reader.readexactly(int(headers["content-length"]))
    else:
        while True:
            data = await reader.read(65536)
            if not data:
                return
            yield data


def sse_events(buffer):
    """(complete `data:` payloads, the rest) of a server-sent-event buffer."""
    events = []
    while b"\n\n" in buffer:
        event, buffer = buffer.split(b"\n\n", 1)
        for line in event.split(b"\n"):
            if line.startswith(b"data:"):
                events.append(line[5:].strip())
    return events, buffer


class Clients:
    """The client side of one soak: the records and the client loops."""

    def __init__(self, port, prompts, max_tokens, pause_s, limit_s, seed, openai_module=None):
        self.port, self.prompts, self.max_tokens = port, prompts, max_tokens
        self.pause_s, self.limit_s = pause_s, limit_s
        self.seed = seed
        self.openai = openai_module
        self.records = {}
        self.stopping = False

    def body(self, rid, rng, stream):
        return {"model": weighted(rng, MODELS), "user": rid, "max_tokens": self.max_tokens, "temperature": 0,
                "stream": stream, "messages": [{"role": "user", "content": rng.choice(self.prompts)}]}

    async def run(self, count, seconds, phase):
        """`count` clients for `seconds`; request ids are "<phase>-<client>-<n>"."""
        deadline = time.monotonic() + seconds
        tasks = [asyncio.ensure_future(self.client(i, kind_of(i, count, self.openai is not None), deadline, phase))
                 for i in range(count)]
        await asyncio.gather(*tasks, return_exceptions=True)
        return [t.exception() for t in tasks if t.exception() is not None]

    async def client(self, index, kind, deadline, phase):
        rng = random.Random(self.seed * 100003 + index)
        await asyncio.sleep(rng.uniform(0, self.pause_s))
        conn = RawConnection(self.port)
        api = None
        if kind == "openai":
            api = self.openai.AsyncOpenAI(base_url="http://127.0.0.1:%d/v1" % self.port, api_key="unused",
                                          max_retries=0, timeout=self.limit_s)
        n = 0
        try:
            while time.monotonic() < deadline and not self.stopping:
                n += 1
                rid = "%s-%d-%d" % (phase, index, n)
                stream = kind in ("stream", "hangup") or (kind == "openai" and n % 2 == 0)
                body = self.body(rid, rng, stream)
                record = {"id": rid, "phase": phase, "client": kind, "model": body["model"], "stream": stream, "start": time.time(),
                          "end": None, "status": None, "upstream": None, "failover": None, "first_byte": None,
                          "outcome": None, "detail": ""}
                self.records[rid] = record
                started = time.monotonic()
                try:
                    if api is not None:
                        await asyncio.wait_for(self.openai_request(api, body, record), self.limit_s)
                    else:
                        await asyncio.wait_for(self.raw_request(conn, body, record, hang_up=kind == "hangup"), self.limit_s)
                except asyncio.TimeoutError:
                    record["outcome"], record["detail"] = "client_timeout", "no answer within %.0f s" % self.limit_s
                    conn.close()
                except Outcome as outcome:
                    record["outcome"], record["detail"] = outcome.outcome, outcome.detail
                    conn.close()
                except Exception as error:  # noqa: BLE001 - every ending is an outcome
                    record["outcome"], record["detail"] = "client_error", repr(error)[:300]
                    conn.close()
                record["end"] = time.time()
                record["ms"] = (time.monotonic() - started) * 1000
                await asyncio.sleep(rng.uniform(0.5, 1.5) * self.pause_s)
        finally:
            conn.close()
            if api is not None:
                await api.close()

    async def probe(self, model, n):
        """One plain request for `model` on a fresh connection, recorded like the clients' (id
        "end-<n>"): after the run, a breaker that opened closes only when a request probes it."""
        rid = "end-%d" % n
        body = {**self.body(rid, random.Random(n), False), "model": model}
        record = {"id": rid, "phase": "end", "client": "plain", "model": model, "stream": False, "start": time.time(),
                  "end": None, "status": None, "upstream": None, "failover": None, "first_byte": None, "outcome": None,
                  "detail": ""}
        self.records[rid] = record
        conn = RawConnection(self.port)
        started = time.monotonic()
        try:
            await asyncio.wait_for(self.raw_request(conn, body, record, hang_up=False), self.limit_s)
        except asyncio.TimeoutError:
            record["outcome"], record["detail"] = "client_timeout", "no answer within %.0f s" % self.limit_s
        except Outcome as outcome:
            record["outcome"], record["detail"] = outcome.outcome, outcome.detail
        except Exception as error:  # noqa: BLE001
            record["outcome"], record["detail"] = "client_error", repr(error)[:300]
        finally:
            conn.close()
        record["end"], record["ms"] = time.time(), (time.monotonic() - started) * 1000

    async def raw_request(self, conn, body, record, hang_up):
        data = json.dumps(body).encode()
        await conn.ensure()
        conn.writer.write(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n" % len(data) + data)
        await conn.writer.drain()
        status, headers = await read_head(conn.reader)
        record["status"], record["first_byte"] = status, time.time()
        record["upstream"] = headers.get("x-router-upstream")
        record["failover"] = headers.get("x-router-failover")
        if headers.get("connection", "").lower() == "close":
            record["detail"] = "connection: close"
        if status != 200:
            payload = b"".join([piece async for piece in self.pieces(conn.reader, headers)])
            record["outcome"] = "http_%d" % status
            record["detail"] = payload[:300].decode("utf-8", "replace")
            if headers.get("connection", "").lower() == "close":
                conn.close()
            return
        if not body["stream"]:
            payload = b"".join([piece async for piece in self.pieces(conn.reader, headers)])
            answer = json.loads(payload)
            record["outcome"] = "answered" if answer.get("choices") else "bad_answer"
            return
        buffer, done, error = b"", False, None
        async for piece in self.pieces(conn.reader, headers):
            events, buffer = sse_events(buffer + piece)
            for event in events:
                if event == b"[DONE]":
                    done = True
                elif event.startswith(b'{"error"'):
                    error = event.decode("utf-8", "replace")[:300]
            if hang_up and events:
                record["outcome"] = "hung_up"
                conn.close()
                return
        if error:
            record["outcome"], record["detail"] = "stream_error_event", error
        elif done:
            record["outcome"] = "answered"
        else:
            record["outcome"] = "stream_ended_without_done"
        if headers.get("connection", "").lower() == "close":
            conn.close()

    async def pieces(self, reader, headers):
        """body_pieces, with a connection that breaks mid-body as an Outcome."""
        try:
            async for piece in body_pieces(reader, headers):
                yield piece
        except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError) as error:
            raise Outcome("stream_cut" if headers.get("content-type", "").startswith("text/event-stream") else "body_cut",
                          "%s after the head" % type(error).__name__) from None

    async def openai_request(self, api, body, record):
        kwargs = {k: body[k] for k in ("model", "user", "max_tokens", "temperature", "messages")}
        try:
            raw = await api.chat.completions.with_raw_response.create(stream=body["stream"], **kwargs)
        except self.openai.APIStatusError as error:
            record["status"] = error.status_code
            record["upstream"] = error.response.headers.get("x-router-upstream")
            record["failover"] = error.response.headers.get("x-router-failover")
            record["outcome"], record["detail"] = "http_%d" % error.status_code, str(error)[:300]
            return
        except self.openai.APIConnectionError as error:
            raise Outcome("no_answer", "openai: %s" % error) from None
        record["status"], record["first_byte"] = raw.status_code, time.time()
        record["upstream"] = raw.headers.get("x-router-upstream")
        record["failover"] = raw.headers.get("x-router-failover")
        if not body["stream"]:
            completion = raw.parse()
            record["outcome"] = "answered" if completion.choices else "bad_answer"
            return
        stream = raw.parse()
        try:
            async for _ in stream:
                pass
        except self.openai.APIError as error:
            # The openai client raises the proxy's error event as APIError; a cut connection is
            # an httpx error wrapped or not.
            record["outcome"], record["detail"] = "stream_error_event", str(error)[:300]
            return
        except Exception as error:  # noqa: BLE001
            raise Outcome("stream_cut", "openai: %r" % error) from None
        record["outcome"] = "answered"
