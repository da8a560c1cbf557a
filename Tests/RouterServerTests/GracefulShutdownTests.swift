import Foundation
import Glibc
import Testing

/// `causal-router serve` as a real process: SIGTERM stops accepting, answers what is in flight,
/// and exits 0.
@Suite struct GracefulShutdownTests {
    static var executable: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("causal-router").path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : ServerFixture.root + "/.build/debug/causal-router"
    }

    /// Reads the child's stderr until a line containing `marker` arrives; returns all read so far.
    func readUntil(_ marker: String, from handle: FileHandle, log: inout String) -> Bool {
        while !log.contains(marker) {
            let chunk = handle.availableData
            if chunk.isEmpty { return false }
            log += String(decoding: chunk, as: UTF8.self)
        }
        return true
    }

    @Test func sigtermAnswersInFlightRequestsAndExitsZero() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["serve", "--port", "0", "--threads", "2", "--parallel", "4"]
        process.currentDirectoryURL = URL(fileURLWithPath: ServerFixture.root)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var log = ""
        #expect(readUntil("ready in", from: errors.fileHandleForReading, log: &log), "log: \(log)")
        let port = try #require(log.firstMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) })

        let client = try TestHTTPClient(port: port)
        let queries = try ServerFixture.gsm8kQueries(12).map(ServerFixture.jsonString).joined(separator: ",")
        client.send("POST", "/v1/route/batch", body: "{\"queries\": [\(queries)], \"timeout_ms\": 120000}")
        usleep(300_000)
        kill(process.processIdentifier, SIGTERM)
        let response = try client.readResponse()
        #expect(response.status == 200)
        let verdicts = try #require(try response.json()["verdicts"] as? [[String: Any]])
        #expect(verdicts.count == 12)
        #expect(verdicts.allSatisfy { $0["fallback"] as? Bool == false }, "in-flight queries were scored, not dropped")
        #expect(response.headers["connection"] == "close")

        process.waitUntilExit()
        log += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0, "log: \(log)")
        #expect(log.contains("stopped"))
        #expect(throws: (any Error).self) { try TestHTTPClient(port: port) }
    }
}
