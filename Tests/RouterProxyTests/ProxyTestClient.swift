import Foundation
import Glibc

/// A small blocking HTTP/1.1 client over one TCP connection to the proxy: whole responses
/// (Content-Length) and streamed ones (chunked), each chunk with the time it arrived.
final class ProxyTestClient: @unchecked Sendable {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: Data
        /// For a chunked response: each chunk's bytes and when it arrived.
        var chunks: [(bytes: [UInt8], at: ContinuousClock.Instant)] = []
        /// When the status line arrived.
        var headAt: ContinuousClock.Instant
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        }
        /// The `data:` payloads of a server-sent event stream, in order.
        var events: [String] {
            text.components(separatedBy: "\n").filter { $0.hasPrefix("data:") }.map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) }
        }
    }

    struct ClientError: Error, CustomStringConvertible {
        var description: String
    }

    private var fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, receiveTimeoutSeconds: Int = 120) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw ClientError(description: "connect to port \(port) failed")
        }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Closes the connection at once, whatever is still coming.
    func hangUp() {
        Glibc.close(fd)
        fd = -1
    }

    /// Reads until `marker` has arrived (raw bytes, head included); false at EOF.
    func readUntil(_ marker: String) throws -> Bool {
        while !String(decoding: buffer, as: UTF8.self).contains(marker) {
            guard try fill() else { return false }
        }
        return true
    }

    /// One request and its whole response (chunked bodies are decoded).
    func request(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) throws -> Response {
        try send(method, path, body: body, headers: headers)
        return try readResponse()
    }

    /// Sends a request without reading the response.
    func send(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) throws {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ClientError(description: "send failed (errno \(errno))") }
            offset += n
        }
    }

    /// POSTs a chat completion for `content` with `model`.
    func chat(_ content: String, model: String = "router", stream: Bool = false, maxTokens: Int = 8) throws -> Response {
        let message = String(decoding: try JSONSerialization.data(withJSONObject: ["role": "user", "content": content]), as: UTF8.self)
        return try request("POST", "/v1/chat/completions",
                           body: "{\"model\":\"\(model)\",\"stream\":\(stream),\"max_tokens\":\(maxTokens),\"messages\":[\(message)]}")
    }

    private func readResponse() throws -> Response {
        while headEnd() == nil {
            guard try fill() else { throw ClientError(description: "connection closed before a response head") }
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
        buffer.removeFirst(end + 4)
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
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
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < length {
            guard try fill() else { throw ClientError(description: "connection closed before a full response") }
        }
        let body = Data(buffer[..<length])
        buffer.removeFirst(length)
        return Response(status: status, headers: headers, body: body, headAt: headAt)
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
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65_536, 0) }
        if n < 0 { throw ClientError(description: "read failed or timed out (errno \(errno))") }
        if n == 0 { return false }
        buffer += chunk[..<n]
        return true
    }
}
