import Foundation
import Glibc
import Locking
import Synchronization

/// A scripted local HTTP upstream on a real socket, for what a real llama-server will not do on
/// demand (429 with Retry-After, a malformed answer, an answer held back mid-stream) and to see
/// what the proxy sends upstream: each connection reads one request, which is recorded (head and
/// body), and gets `answer`'s bytes, then is closed. Not a stand-in for the real upstreams.
public final class StubUpstream: @unchecked Sendable {
    /// One request as the upstream received it.
    public struct Received: Sendable {
        public var method: String
        public var path: String
        /// Header names in lower case.
        public var headers: [String: String]
        public var body: [UInt8]

        public func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
        }
    }

    /// How long the stub waits for a request's bytes, and for `release()` of a held-back part.
    public static let deadline = Duration.seconds(15)

    public let port: Int
    private let fd: Int32
    private let received = Lock<[Received]>([])
    private let stopped = Lock(false)
    private let answer: [UInt8]
    private let drip: (chunk: [UInt8], repeats: Int, intervalMs: Int)?
    private let dripped = Lock((sent: 0, cutByPeer: false))
    private let heldBack: [UInt8]?
    private let released = DispatchSemaphore(value: 0)
    private let heldBackSent = Atomic<Bool>(false)

    /// Answers `answer` at once; with `heldBack`, then waits for `release()` (at most
    /// `deadline`) before it sends those bytes; with `drip`, then sends `chunk` `repeats` times,
    /// one every `intervalMs`, stopping early when the proxy closes the connection.
    public init(answer: String, heldBack: String? = nil, drip: (chunk: String, repeats: Int, intervalMs: Int)? = nil) throws {
        self.answer = Array(answer.utf8)
        self.heldBack = heldBack.map { Array($0.utf8) }
        self.drip = drip.map { (Array($0.chunk.utf8), $0.repeats, $0.intervalMs) }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard ok, listen(fd, 16) == 0 else { throw LlamaServerProcess.Missing(description: "stub upstream could not listen") }
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// A stub answering every request with a whole chat completion whose content is `content`.
    public convenience init(completion content: String) throws {
        let body = #"{"id": "chatcmpl-stub", "object": "chat.completion", "created": 0, "model": "stub", "choices": [{"index": 0, "#
            + #""message": {"role": "assistant", "content": "\#(content)"}, "finish_reason": "stop"}], "#
            + #""usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}}"#
        try self.init(answer: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                              + "Connection: close\r\n\r\n" + body)
    }

    deinit {
        stop()
    }

    /// Drip chunks sent, and whether the peer cut the connection before the last.
    public var dripState: (sent: Int, cutByPeer: Bool) { dripped.withLock { $0 } }

    /// Requests received so far, in order.
    public var requests: [Received] { received.withLock { $0 } }

    /// Requests received so far.
    public var requestCount: Int { received.withLock { $0.count } }

    /// Lets the held-back part of the answer go.
    public func release() { released.signal() }

    /// Whether the held-back part has been sent (by `release()` or at the deadline).
    public var hasSentHeldBack: Bool { heldBackSent.load(ordering: .acquiring) }

    /// An upstreams-file entry for this stub serving `model`, its key in `apiKeyVariable` if given.
    public func upstreamJSON(model: String = "stub", apiKeyVariable: String? = nil) -> String {
        "{\"base_url\": \"http://127.0.0.1:\(port)/v1\", \"model\": \"\(model)\""
            + (apiKeyVariable.map { ", \"api_key_env\": \"\($0)\"" } ?? "") + "}"
    }

    public var upstreamJSON: String { upstreamJSON() }

    public func stop() {
        let wasStopped = stopped.withLock { value in defer { value = true }; return value }
        if !wasStopped { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    private func serve() {
        while !stopped.withLock({ $0 }) {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            // A proxy that connects and sends nothing does not hold the stub forever.
            var timeout = timeval(tv_sec: Int(Self.deadline.components.seconds), tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if let request = Self.readRequest(client) { received.withLock { $0.append(request) } }
            _ = answer.withUnsafeBytes { send(client, $0.baseAddress, answer.count, Int32(MSG_NOSIGNAL)) }
            if let heldBack {
                _ = released.wait(timeout: .now() + .seconds(Int(Self.deadline.components.seconds)))
                heldBackSent.store(true, ordering: .releasing)
                _ = heldBack.withUnsafeBytes { send(client, $0.baseAddress, heldBack.count, Int32(MSG_NOSIGNAL)) }
            }
            if let drip {
                for _ in 0..<drip.repeats {
                    usleep(UInt32(drip.intervalMs * 1000))
                    let sent = drip.chunk.withUnsafeBytes { send(client, $0.baseAddress, drip.chunk.count, Int32(MSG_NOSIGNAL)) }
                    if sent < 0 {
                        dripped.withLock { $0.cutByPeer = true }
                        break
                    }
                    dripped.withLock { $0.sent += 1 }
                }
            }
            shutdown(client, Int32(SHUT_WR))
            close(client)
        }
    }

    /// Reads one request: its head and its Content-Length body (nil when the peer sent no head).
    private static func readRequest(_ client: Int32) -> Received? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, 65_536, 0) }
            if n <= 0 { break }
            bytes += chunk[..<n]
            guard let end = headEnd(bytes) else { continue }
            let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            guard bytes.count - (end + 4) >= length else { continue }
            let requestLine = head[0].split(separator: " ")
            return Received(method: requestLine.first.map(String.init) ?? "", path: requestLine.dropFirst().first.map(String.init) ?? "",
                            headers: headers, body: Array(bytes[(end + 4)..<(end + 4 + length)]))
        }
        return nil
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }
}
