import Foundation
import Glibc

/// `causal-router serve` as a real child process, its stderr read line by line as it comes.
final class ServeProcess {
    let process = Process()
    private let errors = Pipe()
    /// Everything read from the child's stderr so far.
    private(set) var log = ""

    static var executable: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("causal-router").path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : ServerFixture.root + "/.build/debug/causal-router"
    }

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["serve"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: ServerFixture.root)
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Reads stderr until `marker` has appeared `occurrences` times in all; false at EOF.
    func readUntil(_ marker: String, occurrences: Int = 1) -> Bool {
        while log.components(separatedBy: marker).count - 1 < occurrences {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { return false }
            log += String(decoding: chunk, as: UTF8.self)
        }
        return true
    }

    /// The TCP port from the "listening on" line.
    func port() -> Int? {
        guard readUntil("listening on") else { return nil }
        return log.firstMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) }
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the exit and reads the rest of stderr.
    func waitForExit() {
        process.waitUntilExit()
        log += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
