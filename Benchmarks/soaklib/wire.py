"""HTTP/1.1 over asyncio for the soak: raw requests (well-formed or not), responses read with a
limit, and how a connection that ended without an answer ended."""
import asyncio
import re
import socket
import struct
import time

CLIENT_TIMEOUT_S = 120.0  # the longest a client waits for an answer it expects
READ_LIMIT = 1 << 20


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



async def send_and_collect(conn, pieces, limit_s, stopping, half_close=False):
    """Writes pieces [(bytes, delay_before)] while reading whatever the server sends; stops
    writing once the server has closed (or stopping() is true); half_close: then shuts the
    writing side (the server sees the end of the request). Returns (bytes received, how it
    ended, seconds)."""
    start = time.monotonic()
    reading = asyncio.ensure_future(collect(conn.reader, limit_s))
    try:
        for piece, delay in pieces:
            if delay:
                await asyncio.wait({reading}, timeout=delay)
            if reading.done() or stopping():
                break
            try:
                conn.writer.write(piece)
                await asyncio.wait_for(conn.writer.drain(), 30)
            except (ConnectionError, asyncio.TimeoutError):
                break
        else:
            if half_close and not reading.done():
                conn.writer.write_eof()
        got, how = await reading
    finally:
        if not reading.done():
            reading.cancel()
    return got, how, time.monotonic() - start
