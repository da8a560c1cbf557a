import Foundation
import TestSupport
import Testing

/// `causal-router serve` refuses to start unsafe or broken set-ups with one error line and a
/// non-zero exit, before loading anything.
@Suite(.timeLimit(.minutes(5))) struct ServeCommandTests {
    func expectOneLineFailure(_ arguments: [String], mentioning needles: [String], status: Int32 = 1) throws {
        let run = try CLIHarness.spawn(["serve"] + arguments)
        #expect(run.status == status, "stderr: \(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(run.stderr)")
        for needle in needles { #expect(run.stderr.contains(needle), "stderr: \(run.stderr)") }
    }

    @Test func aNetworkAddressWithoutKeysIsRefused() throws {
        try expectOneLineFailure(["--host", "0.0.0.0", "--port", "0"], mentioning: ["--api-key-file", "--allow-unauthenticated"])
        try expectOneLineFailure(["--host", "::", "--port", "0"], mentioning: ["--api-key-file"])
    }

    @Test func anEmptyOrUnreadableKeyFileIsRefused() throws {
        let empty = try CLIHarness.temporaryFile("keys.txt", contents: "# no keys yet\n\n")
        try expectOneLineFailure(["--port", "0", "--api-key-file", empty], mentioning: ["holds no key"])
        try expectOneLineFailure(["--port", "0", "--api-key-file", empty + ".missing"], mentioning: ["cannot read the API key file"])
        let malformed = try CLIHarness.temporaryFile("keys.txt", contents: "sk-live-123 extra\n")
        let run = try CLIHarness.spawn(["serve", "--port", "0", "--api-key-file", malformed])
        #expect(run.status == 1)
        #expect(run.stderr.contains("line 1") && !run.stderr.contains("sk-live-123"), "no key in errors: \(run.stderr)")
    }

    @Test func aBrokenUpstreamsFileIsRefused() throws {
        try expectOneLineFailure(["--port", "0", "--upstreams", "/nonexistent/upstreams.json"], mentioning: ["upstreams", "cannot read"])
        let half = try CLIHarness.temporaryFile("upstreams.json", contents: #"{"strong": {"base_url": "http://127.0.0.1:1/v1", "model": "m"}}"#)
        try expectOneLineFailure(["--port", "0", "--upstreams", half], mentioning: ["\"weak\""])
        let keyed = try CLIHarness.temporaryFile("upstreams.json", contents: #"{"strong": {"base_url": "http://127.0.0.1:1/v1", "model": "m", "#
            + #""api_key_env": "CAUSAL_ROUTER_TEST_UNSET_KEY"}, "weak": {"base_url": "http://127.0.0.1:2/v1", "model": "n"}}"#)
        try expectOneLineFailure(["--port", "0", "--upstreams", keyed], mentioning: ["CAUSAL_ROUTER_TEST_UNSET_KEY is not set"])
        // The same keys in the decision config, broken there, stop the start too.
        let config = try CLIHarness.temporaryFile("router.json", contents: #"{"threshold": 0.5, "strong": {"base_url": "nope", "model": "m"}, "#
            + #""weak": {"base_url": "http://127.0.0.1:2/v1", "model": "n"}}"#)
        try expectOneLineFailure(["--port", "0", "--config", config], mentioning: ["base_url"])
    }

    @Test func badVerdictCacheOptionsAreRefused() throws {
        // Usage errors: exit 2.
        try expectOneLineFailure(["--port", "0", "--verdict-cache", "many"], mentioning: ["--verdict-cache", "0...10000000"], status: 2)
        try expectOneLineFailure(["--port", "0", "--verdict-cache-ttl", "0"], mentioning: ["--verdict-cache-ttl"], status: 2)
    }

    @Test func badPoolBlocksAreRefused() throws {
        try expectOneLineFailure(["--port", "0", "--pool-blocks", "x9"], mentioning: ["--pool-blocks", "bN"], status: 2)
        try expectOneLineFailure(["--port", "0", "--pool-blocks", "b9,final"], mentioning: ["--pool-blocks", "'final'"], status: 2)
        try expectOneLineFailure(["--port", "0", "--pool-blocks", ","], mentioning: ["--pool-blocks", "names no block"], status: 2)
    }

    @Test func badSessionOptionsAreRefused() throws {
        try expectOneLineFailure(["--port", "0", "--sessions", "-1"], mentioning: ["--sessions", "0...10000000"], status: 2)
        try expectOneLineFailure(["--port", "0", "--session-ttl", "0"], mentioning: ["--session-ttl"], status: 2)
        let config = try CLIHarness.temporaryFile("router.json", contents: #"{"session_upgrade_margin": 2}"#)
        try expectOneLineFailure(["--port", "0", "--config", config], mentioning: ["session_upgrade_margin", "between 0 and 1"])
    }

    /// The libraries a running `serve` has mapped, read once it says it listens (the loader maps
    /// every needed library before `main`); the server is stopped after.
    func mappedLibraries(_ arguments: [String]) throws -> String {
        let server = try ServeProcess(["--port", "0"] + arguments)
        defer {
            server.signal(SIGTERM)
            _ = server.waitForExit(timeout: .seconds(30))
        }
        try #require(server.readUntil("listening on"), "stderr: \(server.log)")
        // Read to the end: /proc files report a size of 0.
        let maps = try #require(FileHandle(forReadingAtPath: "/proc/\(server.process.processIdentifier)/maps"))
        defer { try? maps.close() }
        return String(decoding: maps.readDataToEndOfFile(), as: UTF8.self)
    }

    @Test func recordingOptionsNeedWhatTheyBuildOn() throws {
        try expectOneLineFailure(["--port", "0", "--record-answers"], mentioning: ["--record-answers needs --record DIR"], status: 2)
        try expectOneLineFailure(["--port", "0", "--shadow-rate", "0.5"], mentioning: ["--shadow-rate needs --record DIR"], status: 2)
        try expectOneLineFailure(["--port", "0", "--record", "/tmp", "--shadow-rate", "2"], mentioning: ["--shadow-rate", "0.0...1.0"], status: 2)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("records-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try expectOneLineFailure(["--port", "0", "--record", folder, "--shadow-rate", "0.5"], mentioning: ["--shadow-rate needs upstreams"],
                                 status: 2)
        let file = try CLIHarness.temporaryFile("not-a-folder.jsonl", contents: "x\n")
        try expectOneLineFailure(["--port", "0", "--record", file], mentioning: ["--record", "not a folder"])
    }

    @Test func libcurlIsOpenedOnlyForUpstreams() throws {
        // Without upstreams nothing of libcurl (nor its TLS libraries) is mapped (~9 MiB of RSS).
        let plain = try mappedLibraries([])
        #expect(plain.contains("libllama"), "the maps were read from the server")
        #expect(!plain.contains("libcurl"))
        // With upstreams it is opened at start, so a machine without it fails then, in one line.
        let upstreams = try CLIHarness.temporaryFile("upstreams.json", contents: #"{"strong": {"base_url": "http://127.0.0.1:1/v1", "model": "m"}, "#
            + #""weak": {"base_url": "http://127.0.0.1:2/v1", "model": "n"}}"#)
        #expect(try mappedLibraries(["--upstreams", upstreams]).contains("libcurl.so.4"))
    }
}
