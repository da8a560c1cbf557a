import Foundation
import Glibc

/// llama.cpp's own `llama-server` (vendor/build-tools/bin, `make peer`) serving SmolLM2 under a
/// model alias: a real OpenAI-compatible upstream for the proxy. Started through a small shell
/// guard that kills it if the test process dies, so no server outlives the tests. Every wait on
/// it (its pid, its health, its exit) has a deadline.
public final class LlamaServerProcess: @unchecked Sendable {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    public static let binary = root + "/vendor/build-tools/bin/llama-server"
    public static let model = root + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public let alias: String
    public let port: Int
    private var guardProcess: ChildProcess?
    /// llama-server's own process id (the guard's child).
    public private(set) var pid: pid_t = 0

    /// Starts `llama-server` on `port` (a free one when nil) and waits until /health answers 200.
    public init(alias: String, port: Int? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw Missing(description: "\(Self.binary) is missing: run `make peer` (vendor/build-peer-tools.sh) to build llama-server")
        }
        guard FileManager.default.fileExists(atPath: Self.model) else {
            throw Missing(description: "\(Self.model) is missing: run `make model`")
        }
        self.alias = alias
        self.port = try port ?? Self.freePort()
        try start()
    }

    deinit {
        kill9()
    }

    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// The upstream's entry in an upstreams file.
    public var upstreamJSON: String { "{\"base_url\": \"\(baseURL)\", \"model\": \"\(alias)\"}" }

    /// (Re)starts the server on its port and waits for health (each step with a deadline).
    public func start() throws {
        let arguments = ["-m", Self.model, "--alias", alias, "--host", "127.0.0.1", "--port", String(port),
                         "-c", "1024", "-np", "2", "-n", "16", "-t", "1", "--no-webui"]
        // The guard: runs the server, prints its pid, and kills it when the test process is gone.
        let guardProcess = try ChildProcess("/bin/sh", ["-c", """
            "$0" "$@" >/dev/null 2>&1 & child=$!; echo $child
            while kill -0 \(getpid()) 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done
            kill -9 $child 2>/dev/null
            """, Self.binary] + arguments)
        self.guardProcess = guardProcess
        guard guardProcess.wait(for: "\n", on: .stdout, timeout: .seconds(30)) else {
            throw Missing(description: "llama-server's guard did not print a pid within 30 s")
        }
        pid = pid_t(guardProcess.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        guard pid > 0 else { throw Missing(description: "llama-server did not start") }
        let healthy = try waitUntil(.seconds(120), every: .milliseconds(100)) {
            if Self.healthy(port: port) { return true }
            guard kill(pid, 0) == 0 else { throw Missing(description: "llama-server (\(alias)) exited during start-up") }
            return false
        }
        guard healthy else { throw Missing(description: "llama-server (\(alias)) not healthy within 120 s") }
    }

    /// SIGKILL: the upstream dies at once, mid-answer or not.
    public func kill9() {
        if pid > 0 {
            kill(pid, SIGCONT)
            kill(pid, SIGKILL)
            pid = 0
        }
        if let guardProcess {
            // The guard notices within its one-second poll; killed if it has not gone by then.
            if !guardProcess.waitForExit(timeout: .seconds(10)) { guardProcess.signal(SIGKILL) }
            self.guardProcess = nil
        }
    }

    /// SIGSTOP / SIGCONT: the upstream still accepts connections (the kernel does) but answers nothing.
    public func pause() { kill(pid, SIGSTOP) }
    public func resume() { kill(pid, SIGCONT) }

    public static func healthy(port: Int) -> Bool {
        guard let client = try? TestHTTPClient(port: port, receiveTimeoutSeconds: 2, connectTimeoutSeconds: 2),
              let response = try? client.request("GET", "/health") else { return false }
        return response.status == 200
    }

    /// A TCP port nothing listens on now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw Missing(description: "no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
