import Foundation
import Glibc
import RouterCore

/// A child process whose stdout and stderr are drained as they come by threads of their own, so
/// a test waits on what the child has said (or on its exit) with a deadline instead of blocking
/// on a pipe: a child that hangs, or is stopped (SIGSTOP), fails the wait, never the test run.
/// The child is killed when this object goes.
public final class ChildProcess: @unchecked Sendable {
    public enum Stream: Sendable { case stdout, stderr }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    public let process = Process()
    public let name: String
    private let captured: Captured

    /// Starts `executable` with `arguments`; `stdin`'s bytes are written to its standard input,
    /// which is then closed (without `stdin` it reads /dev/null).
    public init(_ executable: String, _ arguments: [String], directory: String? = nil,
                environment: [String: String]? = nil, stdin: String? = nil) throws {
        name = URL(fileURLWithPath: executable).lastPathComponent
        let out = Pipe(), err = Pipe()
        captured = Captured(pipes: [out, err])
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
        process.standardOutput = out
        process.standardError = err
        let input = stdin.map { _ in Pipe() }
        process.standardInput = input ?? FileHandle.nullDevice
        process.terminationHandler = { [captured] _ in captured.update { $0.exited = true } }
        try process.run()
        captured.drain(out.fileHandleForReading.fileDescriptor, .stdout, name: name)
        captured.drain(err.fileHandleForReading.fileDescriptor, .stderr, name: name)
        if let input, let stdin {
            // On a thread of its own: a child that never reads its input does not block the test.
            let writer = input.fileHandleForWriting
            Thread {
                let bytes = Array(stdin.utf8)
                var offset = 0
                while offset < bytes.count {
                    let n = bytes.withUnsafeBytes { Glibc.write(writer.fileDescriptor, $0.baseAddress! + offset, bytes.count - offset) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    offset += n
                }
                try? writer.close()
            }.start()
        }
    }

    deinit {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)   // a stopped child dies too
            process.waitUntilExit()
        }
    }

    public var pid: pid_t { process.processIdentifier }

    /// What the child has written to stdout so far.
    public var stdout: String { text(.stdout) }
    /// What the child has written to stderr so far.
    public var stderr: String { text(.stderr) }

    public func text(_ stream: Stream) -> String {
        captured.read { String(decoding: $0.bytes[stream] ?? [], as: UTF8.self) }
    }

    /// Waits until `condition` holds for all `stream` has said so far; false when the stream ends
    /// (the child closed it or exited) without it, or at `timeout`.
    public func wait(for stream: Stream, timeout: Duration, until condition: (String) -> Bool) -> Bool {
        captured.wait(timeout: timeout) { state in
            if condition(String(decoding: state.bytes[stream] ?? [], as: UTF8.self)) { return true }
            return state.ended.contains(stream) ? false : nil
        } ?? false
    }

    /// Waits until `marker` has appeared `occurrences` times in all on `stream`.
    public func wait(for marker: String, on stream: Stream = .stderr, occurrences: Int = 1, timeout: Duration) -> Bool {
        wait(for: stream, timeout: timeout) { $0.components(separatedBy: marker).count - 1 >= occurrences }
    }

    /// Waits until the child has exited and its output has been read to the end; false at `timeout`
    /// (the child is left as it is).
    public func waitForExit(timeout: Duration) -> Bool {
        captured.wait(timeout: timeout) { state in state.exited && state.ended.count == 2 ? true : nil } ?? false
    }

    /// Exit status, or minus the signal that ended the child (only after `waitForExit`).
    public var status: Int32 {
        process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
    }

    public func signal(_ number: Int32) {
        Glibc.kill(process.processIdentifier, number)
    }

    /// Runs a child to its end: its status, stdout and stderr. Throws when it has not exited
    /// within `timeout` (it is killed then; the error shows what it had said).
    public static func run(_ executable: String, _ arguments: [String], directory: String? = nil, stdin: String? = nil,
                           timeout: Duration) throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(executable, arguments, directory: directory, stdin: stdin)
        guard child.waitForExit(timeout: timeout) else {
            child.signal(SIGKILL)
            throw Failure("\(child.name) \(arguments.joined(separator: " ")) did not exit within \(timeout); "
                          + "stdout: \(child.stdout.suffix(2000)) stderr: \(child.stderr.suffix(2000))")
        }
        return (child.status, child.stdout, child.stderr)
    }
}

/// The child's output and whether it has exited, shared with the threads that drain its pipes
/// and with its termination handler (none of which keeps the `ChildProcess` alive).
private final class Captured: @unchecked Sendable {
    struct State {
        var bytes: [ChildProcess.Stream: [UInt8]] = [:]
        var ended: Set<ChildProcess.Stream> = []
        var exited = false
    }

    private let condition = NSCondition()
    private var state = State()
    /// Kept so their descriptors stay open while they are drained.
    private let pipes: [Pipe]

    init(pipes: [Pipe]) {
        self.pipes = pipes
    }

    func read<T>(_ body: (State) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body(state)
    }

    func update(_ body: (inout State) -> Void) {
        condition.lock()
        body(&state)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until `decide` gives an answer (non-nil) or `timeout` passes (nil).
    func wait<T>(timeout: Duration, _ decide: (State) -> T?) -> T? {
        let deadline = Date(timeIntervalSinceNow: timeout.milliseconds / 1000)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let answer = decide(state) { return answer }
            if !condition.wait(until: deadline) { return decide(state) }
        }
    }

    func drain(_ fd: Int32, _ stream: ChildProcess.Stream, name: String) {
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 65_536) }
                if n < 0 && errno == EINTR { continue }
                update { state in
                    if n > 0 { state.bytes[stream, default: []] += chunk[..<n] } else { state.ended.insert(stream) }
                }
                if n <= 0 { return }
            }
        }
        thread.name = "\(name)-\(stream)"
        thread.start()
    }
}
