import Foundation
import Glibc

/// `causal-router serve` as a real child process (the built binary, real sockets), its stderr
/// read as it comes; every wait on it has a deadline, so a server that hangs or stops logging
/// fails the test that waits instead of blocking it.
public final class ServeProcess: @unchecked Sendable {
    public let child: ChildProcess

    /// The built executable, beside the test bundle (else .build/debug).
    public static var executable: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("causal-router").path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : RepositoryFixture.root + "/.build/debug/causal-router"
    }

    /// Starts `causal-router serve ARGUMENTS` in the repository root.
    public init(_ arguments: [String], environment: [String: String]? = nil) throws {
        child = try ChildProcess(Self.executable, ["serve"] + arguments, directory: RepositoryFixture.root, environment: environment)
    }

    public var process: Process { child.process }

    /// Everything read from the child's stderr so far.
    public var log: String { child.stderr }

    /// Waits until `marker` has appeared `occurrences` times in all on stderr; false at EOF or
    /// when `timeout` passes.
    public func readUntil(_ marker: String, occurrences: Int = 1, timeout: Duration = .seconds(60)) -> Bool {
        child.wait(for: marker, occurrences: occurrences, timeout: timeout)
    }

    /// The TCP port from the "listening on" line (any host).
    public func port(timeout: Duration = .seconds(60)) -> Int? {
        guard readUntil("listening on", timeout: timeout) else { return nil }
        return log.firstMatch(of: /listening on http:\/\/\S*:(\d+)\s/).flatMap { Int($0.1) }
    }

    /// Waits for "ready in" (the model loaded): from then on routes are scored.
    public func waitUntilReady(timeout: Duration = .seconds(120)) -> Bool {
        readUntil("ready in", timeout: timeout)
    }

    /// A client on the server's TCP port (loopback).
    public func client(receiveTimeoutSeconds: Int = 30) throws -> TestHTTPClient {
        guard let port = port() else { throw TestHTTPClient.ClientError(description: "serve did not say where it listens; log: \(log)") }
        return try TestHTTPClient(port: port, receiveTimeoutSeconds: receiveTimeoutSeconds)
    }

    public func signal(_ number: Int32) {
        child.signal(number)
    }

    /// Waits for the exit (and the rest of stderr); false when it has not exited by `timeout`.
    public func waitForExit(timeout: Duration = .seconds(60)) -> Bool {
        child.waitForExit(timeout: timeout)
    }
}

/// Polls `condition` every `interval` until it holds (true) or `timeout` passes (false): for
/// readiness a test can only observe by asking (a gauge, a counter, a file).
public func waitUntil(_ timeout: Duration, every interval: Duration = .milliseconds(10), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        Thread.sleep(forTimeInterval: Double(interval.components.attoseconds) / 1e18 + Double(interval.components.seconds))
    }
}
