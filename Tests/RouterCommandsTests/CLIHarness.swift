import Foundation
import Locking
import RouterCommands
import TestSupport

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
    static var executable: String { ServeProcess.executable }

    /// As a child process: a crash shows as a signal status, not a test-runner crash. Throws when
    /// it has not exited within `timeout` (it is killed then), so a hung command fails its test
    /// instead of blocking the run: the default is under the 5-minute limit of the suites that
    /// run quick commands.
    static func spawn(_ arguments: [String], stdin: String = "", timeout: Duration = .seconds(240)) throws -> Outcome {
        let run = try ChildProcess.run(executable, arguments, directory: root, stdin: stdin, timeout: timeout)
        return Outcome(status: run.status, stdout: run.stdout, stderr: run.stderr)
    }

    /// `spawn` for commands that score whole data sets (eval, train, label), which take minutes
    /// on a loaded machine: 14 minutes, under their suites' 15-minute limit.
    static func spawnLong(_ arguments: [String], stdin: String = "") throws -> Outcome {
        try spawn(arguments, stdin: stdin, timeout: .seconds(14 * 60))
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
