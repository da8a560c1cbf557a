#!/usr/bin/env python3
"""The proxy soak's fault injector: an HTTP/1.1 relay in front of one llama-server (standard
library only; run as its own process so the soak's clients and it do not share one event loop).

    python3 relay.py --listen PORT --upstream PORT --tier NAME --log FILE

The proxy talks to the relay on kept-alive connections as it would to the upstream. Each request
is forwarded on a fresh upstream connection (`Connection: close`), and the upstream's answer is
passed back byte for byte (its head without `Connection`, so the proxy's connection stays alive).
Modes, switched by one JSON line on stdin each (acknowledged with "ok" on stdout):

  {"mode": "pass"}                            forward as is
  {"mode": "slow", "delay_ms": N}             wait N ms before forwarding (a slow upstream)
  {"mode": "status", "status": 429, "retry_after": S}  answer that status itself (429 storm,
                                              5xx burst), nothing forwarded
  {"listen": false} / {"listen": true}        stop listening and reset every open connection (the
                                              proxy's connects are refused), or listen again

Every request is logged, one JSON line on --log: the soak id (the body's "user" field), the
mode, the upstream's status, whether the whole answer reached the proxy ("complete": the upstream
ended it properly and the proxy had not closed before its last byte) and how it ended. A request
whose upstream connection fails or answers only in part gets its proxy connection reset, as a
dying upstream would.
"""
import argparse
import asyncio
import json
import socket
import struct
import sys
import time

READ_LIMIT = 1 << 20


class Relay:
    def __init__(self, args):
        self.args = args
        self.mode = {"mode": "pass"}
        self.server = None
        self.connections = set()
        self.log = open(args.log, "a", buffering=1)

    def record(self, **fields):
        fields["tier"] = self.args.tier
        fields["t"] = time.time()
        self.log.write(json.dumps(fields) + "\n")

    async def listen(self):
        if self.server is None:
            self.server = await asyncio.start_server(self.serve, "127.0.0.1", self.args.listen, limit=READ_LIMIT,
                                                     reuse_address=True)

    async def unlisten(self):
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.connections):
            reset(writer)

    async def control(self):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                return
            command = json.loads(line)
            if "listen" in command:
                await (self.listen() if command["listen"] else self.unlisten())
            else:
                self.mode = command
            self.record(control=command)
            sys.stdout.write("ok\n")
            sys.stdout.flush()

    async def serve(self, reader, writer):
        self.connections.add(writer)
        pending = b""
        try:
            while True:
                head, body, pending = await read_request(reader, pending)
                if head is None:
                    return
                pending = await self.answer(head, body, reader, writer, pending)
                if pending is None:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            self.connections.discard(writer)
            try:
                writer.close()
            except OSError:
                pass

    async def answer(self, head, body, reader, writer, pending):
        """Answers one request; returns what the proxy sent after it, or None when the proxy
        connection is done."""
        soak_id = request_id(body)
        mode = dict(self.mode)
        if mode["mode"] == "status":
            status = int(mode["status"])
            payload = json.dumps({"error": {"message": "injected by the soak relay", "type": "soak_fault"}}).encode()
            extra = "Retry-After: %s\r\n" % mode["retry_after"] if mode.get("retry_after") is not None else ""
            writer.write(("HTTP/1.1 %d Injected\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
                          % (status, len(payload), extra)).encode() + payload)
            await writer.drain()
            self.record(id=soak_id, mode="status", status=status, complete=True, how="injected")
            return pending
        if mode["mode"] == "slow":
            await asyncio.sleep(mode.get("delay_ms", 0) / 1000)
        # Watch the proxy side while the upstream works: the proxy may give up (first-byte
        # timeout, its client gone) and close; anything else it sends is its next request.
        watch = asyncio.ensure_future(reader.read(65536))
        outcome = {"id": soak_id, "mode": mode["mode"], "status": None, "complete": False, "how": None}
        up_writer = None
        try:
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.args.upstream, limit=READ_LIMIT)
            except OSError:
                outcome["how"] = "upstream_refused"
                reset(writer)
                return None
            up_writer.write(with_connection_close(head) + body)
            await up_writer.drain()
            head_task = asyncio.ensure_future(up_reader.readuntil(b"\r\n\r\n"))
            done, _ = await asyncio.wait({head_task, watch}, return_when=asyncio.FIRST_COMPLETED)
            if head_task not in done:
                head_task.cancel()  # the upstream connection is reset below
                outcome["how"] = "proxy_closed_before_head"
                return None
            up_head = head_task.result()
            outcome["status"] = int(up_head.split(b" ", 2)[1])
            framing = body_framing(up_head)
            writer.write(without_connection(up_head))
            received = b""
            while True:
                read = asyncio.ensure_future(up_reader.read(65536))
                done, _ = await asyncio.wait({read, watch}, return_when=asyncio.FIRST_COMPLETED)
                if read not in done:
                    if watch.result() == b"":
                        read.cancel()
                        outcome["how"] = "proxy_closed_mid_answer"
                        return None
                    # The proxy never pipelines; keep what it sent for the next request.
                    pending += watch.result()
                    watch = asyncio.ensure_future(asyncio.sleep(3600))
                    await read
                chunk = read.result()
                if not chunk:
                    break
                received += chunk
                writer.write(chunk)
                await writer.drain()
            if not framing_complete(framing, received):
                outcome["how"] = "upstream_cut"
                reset(writer)
                return None
            # Every piece was written while the proxy's connection was open: delivered.
            outcome["complete"], outcome["how"] = True, "answered"
            if watch.done() and watch.result() == b"":
                return None
            if watch.done() and isinstance(watch.result(), bytes):
                pending += watch.result()
            return pending
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            outcome["how"] = outcome["how"] or "connection_error"
            reset(writer)
            return None
        finally:
            if not watch.done():
                # Wait for the cancelled read to unwind: the stream allows one reader at a time.
                watch.cancel()
                try:
                    await watch
                except (asyncio.CancelledError, ConnectionError, OSError):
                    pass
            if up_writer is not None:
                reset(up_writer)
            self.record(**outcome)


def reset(writer):
    try:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
    except OSError:
        pass


async def read_request(reader, pending):
    """(head, body, bytes after it) of the next request, or (None, None, None) at the end."""
    buffer = pending
    while b"\r\n\r\n" not in buffer:
        chunk = await reader.read(65536)
        if not chunk:
            return None, None, None
        buffer += chunk
    end = buffer.index(b"\r\n\r\n") + 4
    head, rest = buffer[:end], buffer[end:]
    length = header_value(head, b"content-length")
    length = int(length) if length else 0
    while len(rest) < length:
        chunk = await reader.read(65536)
        if not chunk:
            return None, None, None
        rest += chunk
    return head, rest[:length], rest[length:]


def header_value(head, name):
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip().decode("latin-1")
    return None


def request_id(body):
    try:
        return json.loads(body).get("user")
    except (ValueError, AttributeError):
        return None


def with_connection_close(head):
    lines = [line for line in head.split(b"\r\n") if line and not line.lower().startswith(b"connection:")]
    return b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n"


def without_connection(head):
    lines = [line for line in head.split(b"\r\n") if line and not line.lower().startswith(b"connection:")]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def body_framing(head):
    if (header_value(head, b"transfer-encoding") or "").lower() == "chunked":
        return ("chunked", None)
    length = header_value(head, b"content-length")
    return ("length", int(length)) if length is not None else ("close", None)


def framing_complete(framing, body):
    kind, length = framing
    if kind == "length":
        return len(body) == length
    if kind == "chunked":
        return body.endswith(b"0\r\n\r\n")
    return True


async def main(args):
    relay = Relay(args)
    await relay.listen()
    sys.stdout.write("listening\n")
    sys.stdout.flush()
    await relay.control()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", type=int, required=True)
    parser.add_argument("--tier", required=True)
    parser.add_argument("--log", required=True)
    asyncio.run(main(parser.parse_args()))
