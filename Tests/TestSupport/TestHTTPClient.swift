import Foundation
import Glibc

/// A small blocking HTTP/1.1 client over one TCP or Unix-domain connection, for driving the
/// server and the proxy from tests byte for byte: keep-alive, pipelining, raw malformed input,
/// whole responses (Content-Length) and streamed ones (chunked, each chunk with the time it
/// arrived). One thread may send while another reads (sending touches no state of the client).
public final class TestHTTPClient: @unchecked Sendable {
    public struct Response {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
        /// For a chunked response: each chunk's bytes and when it arrived.
        public var chunks: [(bytes: [UInt8], at: ContinuousClock.Instant)] = []
        /// When the response head had arrived.
        public var headAt: ContinuousClock.Instant
        public var text: String { String(decoding: body, as: UTF8.self) }
        public func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        }
        /// The `data:` payloads of a server-sent event stream, in order.
        public var events: [String] {
            text.components(separatedBy: "\n").filter { $0.hasPrefix("data:") }.map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) }
        }
    }

    public struct ClientError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    private var fd: Int32
    private var buffer: [UInt8] = []
    /// Each receive (and send) fails after this long without progress.
    public let receiveTimeoutSeconds: Int

    /// Connects to 127.0.0.1:`port`. Every blocking call has a deadline: the connect
    /// `connectTimeoutSeconds`, each receive and send `receiveTimeoutSeconds` (a server that
    /// stops answering fails the read with an error instead of hanging the test).
    public init(port: Int, receiveTimeoutSeconds: Int = 60, connectTimeoutSeconds: Int = 10) throws {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        fd = try Self.connected(family: AF_INET, to: addr, what: "port \(port)", receiveTimeoutSeconds: receiveTimeoutSeconds,
                                connectTimeoutSeconds: connectTimeoutSeconds)
        self.receiveTimeoutSeconds = receiveTimeoutSeconds
    }

    public init(unixPath: String, receiveTimeoutSeconds: Int = 60, connectTimeoutSeconds: Int = 10) throws {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: Array(unixPath.utf8))
            raw[unixPath.utf8.count] = 0
        }
        fd = try Self.connected(family: AF_UNIX, to: addr, what: unixPath, receiveTimeoutSeconds: receiveTimeoutSeconds,
                                connectTimeoutSeconds: connectTimeoutSeconds)
        self.receiveTimeoutSeconds = receiveTimeoutSeconds
    }

    /// A socket of `family` connected to `address` within `connectTimeoutSeconds` (a non-blocking
    /// connect, polled), with receive and send timeouts.
    private static func connected<Address>(family: Int32, to address: Address, what: String,
                                           receiveTimeoutSeconds: Int, connectTimeoutSeconds: Int) throws -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket() failed (errno \(errno))") }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        var address = address
        var result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
        if result != 0 && errno == EINPROGRESS {
            var poll = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = Glibc.poll(&poll, 1, Int32(connectTimeoutSeconds * 1000))
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if ready == 1 && error == 0 {
                result = 0
            } else {
                Glibc.close(fd)
                throw ClientError(description: ready == 0 ? "connect to \(what) timed out after \(connectTimeoutSeconds) s"
                                                          : "connect to \(what) failed (errno \(error))")
            }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw ClientError(description: "connect to \(what) failed")
        }
        _ = fcntl(fd, F_SETFL, flags)
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Closes the connection at once, whatever is still coming.
    public func hangUp() {
        Glibc.close(fd)
        fd = -1
    }

    /// Sends all of `bytes`; false (with errno's value) when the connection refused them.
    @discardableResult
    public func send(raw bytes: [UInt8]) -> (sent: Bool, errno: Int32) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return (false, errno) }
            offset += n
        }
        return (true, 0)
    }

    /// Sends a request without reading the response (a JSON body when given).
    @discardableResult
    public func send(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) -> (sent: Bool, errno: Int32) {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        return send(raw: Array(text.utf8))
    }

    /// One request and its whole response.
    public func request(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) throws -> Response {
        let sent = send(method, path, body: body, headers: headers)
        guard sent.sent else { throw ClientError(description: "send failed (errno \(sent.errno))") }
        return try readResponse()
    }

    /// POSTs a chat completion for `content` with `model`.
    public func chat(_ content: String, model: String = "router", stream: Bool = false, maxTokens: Int = 8) throws -> Response {
        let message = String(decoding: try JSONSerialization.data(withJSONObject: ["role": "user", "content": content]), as: UTF8.self)
        return try request("POST", "/v1/chat/completions",
                           body: "{\"model\":\"\(model)\",\"stream\":\(stream),\"max_tokens\":\(maxTokens),\"messages\":[\(message)]}")
    }

    /// Reads one response (Content-Length framed, or chunked: the chunks decoded and timed).
    public func readResponse() throws -> Response {
        while headEnd() == nil {
            guard try fill() else { throw ClientError(description: "connection closed before a full response") }
        }
        let headAt = ContinuousClock.now
        let end = headEnd()!
        let head = String(decoding: buffer[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            buffer.removeFirst(end + 4)
            var body = Data()
            var chunks: [(bytes: [UInt8], at: ContinuousClock.Instant)] = []
            while true {
                while lineEnd() == nil { guard try fill() else { throw ClientError(description: "stream cut before its last chunk") } }
                let sizeEnd = lineEnd()!
                let size = Int(String(decoding: buffer[..<sizeEnd], as: UTF8.self), radix: 16) ?? 0
                while buffer.count < sizeEnd + 2 + size + 2 {
                    guard try fill() else { throw ClientError(description: "stream cut inside a chunk") }
                }
                let chunk = Array(buffer[(sizeEnd + 2)..<(sizeEnd + 2 + size)])
                buffer.removeFirst(sizeEnd + 2 + size + 2)
                if size == 0 { break }
                chunks.append((chunk, .now))
                body.append(contentsOf: chunk)
            }
            return Response(status: status, headers: headers, body: body, chunks: chunks, headAt: headAt)
        }
        // The head stays buffered until the whole body is in: a response cut short leaves it
        // for `readRaw`, as it arrived.
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < end + 4 + length {
            guard try fill() else { throw ClientError(description: "connection closed before a full response") }
        }
        let body = Data(buffer[(end + 4)..<(end + 4 + length)])
        buffer.removeFirst(end + 4 + length)
        return Response(status: status, headers: headers, body: body, headAt: headAt)
    }

    /// Reads until `marker` has arrived (raw bytes, head included); false at EOF; throws when
    /// nothing arrives for the receive timeout.
    public func readUntil(_ marker: String) throws -> Bool {
        while !String(decoding: buffer, as: UTF8.self).contains(marker) {
            guard try fill() else { return false }
        }
        return true
    }

    /// The bytes buffered or, if none, the next bytes that arrive (for non-Content-Length framing).
    public func readRaw() throws -> [UInt8] {
        if buffer.isEmpty {
            guard try fill() else { throw ClientError(description: "connection closed") }
        }
        defer { buffer.removeAll() }
        return buffer
    }

    /// Whether the server has closed the connection (reads EOF).
    public func isClosedByServer() -> Bool {
        (try? fill()) == false
    }

    private func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }

    private func lineEnd() -> Int? {
        guard buffer.count >= 2 else { return nil }
        for i in 0...(buffer.count - 2) where buffer[i] == 13 && buffer[i + 1] == 10 { return i }
        return nil
    }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65_536, 0) }
        while n < 0 && errno == EINTR { n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65_536, 0) } }
        if n < 0 {
            throw ClientError(description: errno == EAGAIN || errno == EWOULDBLOCK
                              ? "no byte from the server for \(receiveTimeoutSeconds) s (receive timeout)"
                              : "read failed (errno \(errno))")
        }
        if n == 0 { return false }
        buffer += chunk[..<n]
        return true
    }
}
