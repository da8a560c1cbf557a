import Foundation
import Glibc
import RouterCore

/// A scripted local HTTP upstream for what a real llama-server will not do on demand (429 with
/// Retry-After, a malformed answer): each connection reads one request and gets `answer`'s
/// bytes, then is closed. Not a stand-in for the real upstreams.
final class StubUpstream: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let requests = Lock(0)
    private let stopped = Lock(false)
    private let answer: [UInt8]
    private let drip: (chunk: [UInt8], repeats: Int, intervalMs: Int)?
    private let dripped = Lock((sent: 0, cutByPeer: false))

    /// Answers `answer` at once; with `drip`, then sends `chunk` `repeats` times, one every
    /// `intervalMs`, stopping early when the proxy closes the connection.
    init(answer: String, drip: (chunk: String, repeats: Int, intervalMs: Int)? = nil) throws {
        self.answer = Array(answer.utf8)
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

    deinit {
        stop()
    }

    /// Drip chunks sent, and whether the peer cut the connection before the last.
    var dripState: (sent: Int, cutByPeer: Bool) { dripped.withLock { $0 } }

    /// Requests received so far.
    var requestCount: Int { requests.withLock { $0 } }

    var upstreamJSON: String { "{\"base_url\": \"http://127.0.0.1:\(port)/v1\", \"model\": \"stub\"}" }

    func stop() {
        let wasStopped = stopped.withLock { value in defer { value = true }; return value }
        if !wasStopped { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    private func serve() {
        while !stopped.withLock({ $0 }) {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            // Read the head and the Content-Length body.
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, 65_536, 0) }
                if n <= 0 { break }
                received += chunk[..<n]
                let text = String(decoding: received, as: UTF8.self)
                if let range = text.range(of: "\r\n\r\n") {
                    let head = text[..<range.lowerBound].lowercased()
                    let length = head.firstMatch(of: /content-length: *(\d+)/).flatMap { Int($0.1) } ?? 0
                    if text.utf8.count - text[..<range.upperBound].utf8.count >= length { break }
                }
            }
            requests.withLock { $0 += 1 }
            _ = answer.withUnsafeBytes { send(client, $0.baseAddress, answer.count, Int32(MSG_NOSIGNAL)) }
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
}
