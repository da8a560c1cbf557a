import Foundation
import RouterCommands
import RouterCore

/// Runs `causal-router` in this process with captured streams, or as a real child process.
enum CLIHarness {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// In process, through the same entry point `main` uses.
    static func run(_ arguments: [String], stdin: String = "") -> Outcome {
        let out = Lock("")
        let err = Lock("")
        let io = CommandIO(readInput: { Data(stdin.utf8) },
                           write: { text in out.withLock { $0 += text } },
                           writeError: { text in err.withLock { $0 += text } })
        let status = CausalRouterCLI.run(arguments, io: io)
        return Outcome(status: status, stdout: out.withLock { $0 }, stderr: err.withLock { $0 })
    }

    /// The built executable, beside this test bundle.
    static var executable: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("causal-router").path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : root + "/.build/debug/causal-router"
    }

    /// As a child process: a crash shows as a signal status, not a test-runner crash.
    static func spawn(_ arguments: [String], stdin: String = "") throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
        return Outcome(status: status, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A file under a fresh temporary folder.
    static func temporaryFile(_ name: String, contents: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
