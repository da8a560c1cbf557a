import Foundation
import Glibc
import RouterCore
import TestSupport
import Testing
@testable import RouterServer

/// SIGHUP: the routing config is re-read and swapped in; a bad file keeps the config in force;
/// --threshold and a head's threshold keep their precedence over the file's.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ConfigReloadTests {
    static func configFile(_ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("router.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func rewrite(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func reloadSwapsTheConfigAndABrokenFileKeepsTheOld() throws {
        let path = try Self.configFile(#"{"threshold": 0.3, "strong_model": "big-1", "weak_model": "small-1"}"#)
        var options = ServerFixture.options(parallel: 1)
        options.router.configPath = path
        options.router.zeroShot = true
        let application = try RouterApplication(options: options, locator: ServerFixture.locator)
        defer { application.stop(timeout: .seconds(5)) }
        _ = try application.waitUntilLoaded().get()
        let client = try TestHTTPClient(port: ServerFixture.port(application))
        #expect(try client.request("GET", "/v1/config").json()["threshold"] as? Double == 0.3)

        try Self.rewrite(path, #"{"threshold": 0.7, "strong_model": "big-2", "weak_model": "small-2", "fallback_route": "weak"}"#)
        let reloaded = try application.reloadConfig().get()
        #expect(reloaded.threshold == 0.7)
        let config = try client.request("GET", "/v1/config").json()
        #expect(config["threshold"] as? Double == 0.7)
        #expect(config["strong_model"] as? String == "big-2" && config["fallback_route"] as? String == "weak")
        let verdict = try client.request("POST", "/v1/route", body: #"{"query": "What is 2+2?", "timeout_ms": 120000}"#).json()
        #expect(verdict["threshold"] as? Double == 0.7, "new requests use the new config")
        #expect(["big-2", "small-2"].contains(verdict["model"] as? String ?? ""))

        for broken in ["{\"threshold\": ", #"{"threshold": 7}"#, #"{"treshold": 0.5}"#] {
            try Self.rewrite(path, broken)
            #expect(throws: RouterError.self) { try application.reloadConfig().get() }
            #expect(try client.request("GET", "/v1/config").json()["threshold"] as? Double == 0.7, "kept after \(broken)")
        }
        try FileManager.default.removeItem(atPath: path)
        #expect(throws: RouterError.configNotFound(path: path)) { try application.reloadConfig().get() }
        #expect(application.service.config.strongModel == "big-2")
        let metrics = try client.request("GET", "/metrics").text
        #expect(metrics.contains("causal_router_config_reloads_total{result=\"ok\"} 1"))
        #expect(metrics.contains("causal_router_config_reloads_total{result=\"error\"} 4"))
    }

    @Test func theCommandLineThresholdAndTheHeadsStillOverrideAfterAReload() throws {
        let path = try Self.configFile(#"{"threshold": 0.3}"#)
        var options = ServerFixture.options(parallel: 1)
        options.router.configPath = path
        options.router.threshold = 0.55
        options.router.zeroShot = true
        let overridden = try RouterApplication(options: options, locator: ServerFixture.locator)
        defer { overridden.stop(timeout: .seconds(5)) }
        try Self.rewrite(path, #"{"threshold": 0.9, "weak_model": "small-3"}"#)
        let config = try overridden.reloadConfig().get()
        #expect(config.threshold == 0.55 && config.weakModel == "small-3")
        #expect(overridden.service.config.threshold == 0.55)

        // With the shipped head its threshold wins over the file's, as at start-up.
        var headed = ServerFixture.options(parallel: 1)
        headed.router.configPath = path
        let withHead = try RouterApplication(options: headed, locator: ServerFixture.locator)
        defer { withHead.stop(timeout: .seconds(5)) }
        let head = try #require(withHead.service.settings.engine.head)
        try Self.rewrite(path, #"{"threshold": 0.1, "weak_model": "small-4"}"#)
        let reloaded = try withHead.reloadConfig().get()
        #expect(reloaded.threshold == head.threshold && reloaded.weakModel == "small-4")
        _ = try overridden.waitUntilLoaded().get()
        _ = try withHead.waitUntilLoaded().get()
    }

    @Test func aRealSighupReloadsTheServeProcess() throws {
        let path = try Self.configFile(#"{"threshold": 0.25}"#)
        let server = try ServeProcess(["--port", "0", "--threads", "1", "--parallel", "1", "--no-head", "--config", path])
        let port = try #require(server.port(), "log: \(server.log)")
        let client = try TestHTTPClient(port: port)
        #expect(try client.request("GET", "/v1/config").json()["threshold"] as? Double == 0.25)

        try Self.rewrite(path, #"{"threshold": 0.75, "strong_model": "big-9"}"#)
        server.signal(SIGHUP)
        #expect(server.readUntil("config reloaded"), "log: \(server.log)")
        let config = try client.request("GET", "/v1/config").json()
        #expect(config["threshold"] as? Double == 0.75 && config["strong_model"] as? String == "big-9")

        try Self.rewrite(path, "{not json")
        server.signal(SIGHUP)
        #expect(server.readUntil("config reload failed"), "log: \(server.log)")
        #expect(server.log.components(separatedBy: "\n").filter { $0.contains("config reload failed") }.count == 1, "one line")
        #expect(try client.request("GET", "/v1/config").json()["threshold"] as? Double == 0.75)

        #expect(server.readUntil("ready in"), "log: \(server.log)")
        server.signal(SIGTERM)
        try #require(server.waitForExit(), "serve did not exit within a minute of SIGTERM; log: \(server.log)")
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0, "log: \(server.log)")
    }

    /// With --upstreams, SIGHUP also re-reads the upstreams file; a broken one keeps those in force.
    @Test func aRealSighupReloadsTheUpstreams() throws {
        func upstreams(_ strong: String, _ weak: String) -> String {
            #"{"strong": {"base_url": "http://127.0.0.1:1/v1", "model": "\#(strong)"}, "weak": {"base_url": "http://127.0.0.1:1/v1", "model": "\#(weak)"}}"#
        }
        func models(_ client: TestHTTPClient) throws -> [String] {
            let tiers = (try client.request("GET", "/v1/config").json()["upstreams"] as? [String: Any])?["tiers"] as? [[String: Any]] ?? []
            return tiers.compactMap { $0["model"] as? String }.sorted()
        }
        let path = try Self.configFile(upstreams("big-1", "small-1"))
        let server = try ServeProcess(["--port", "0", "--threads", "1", "--parallel", "1", "--no-head", "--upstreams", path])
        let port = try #require(server.port(), "log: \(server.log)")
        let client = try TestHTTPClient(port: port)
        #expect(try models(client) == ["big-1", "small-1"])

        try Self.rewrite(path, upstreams("big-2", "small-2"))
        server.signal(SIGHUP)
        #expect(server.readUntil("upstreams reloaded"), "log: \(server.log)")
        #expect(try models(client) == ["big-2", "small-2"])

        try Self.rewrite(path, #"{"strong": {"base_url": "http://127.0.0.1:1/v1"}}"#)
        server.signal(SIGHUP)
        #expect(server.readUntil("upstreams reload failed"), "log: \(server.log)")
        #expect(try models(client) == ["big-2", "small-2"], "kept after a broken file")

        server.signal(SIGTERM)
        try #require(server.waitForExit(), "serve did not exit within a minute of SIGTERM; log: \(server.log)")
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0, "log: \(server.log)")
    }
}
