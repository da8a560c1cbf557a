import Foundation
import Glibc
import RouterCore
import TestSupport
import Testing
@testable import RouterServer

/// SIGHUP re-reads the head file: a changed head that fits is swapped in (the verdict cache
/// emptied, /v1/config and verdicts name it), one that does not fit is refused and the old one
/// stays; /metrics counts each result and shows the drift window.
@Suite(.serialized, .timeLimit(.minutes(5))) struct HeadReloadTests {
    static let shipped = ServerFixture.root + "/models/heads/smollm2-135m-iq4_nl-rating.json"
    static let query = #"{"query": "Write a haiku about autumn.", "timeout_ms": 120000}"#

    /// A copy of the shipped head in a fresh folder, renamed, with another threshold.
    static func headFile(name: String, threshold: Double) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("heads-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("head.json").path
        try write(name: name, threshold: threshold, to: path)
        return path
    }

    static func write(name: String, threshold: Double, to path: String, edit: (inout LabelHead) -> Void = { _ in }) throws {
        var head = try LabelHead.load(path: shipped)
        head.name = name
        head.threshold = threshold
        edit(&head)
        try head.write(to: path)
    }

    /// A server with the head at `path` (the engine also pooling `pooledBlocks`), loaded, and a client of it.
    static func serving(head path: String, pooledBlocks: [Int] = []) throws -> (RouterApplication, TestHTTPClient) {
        var options = ServerFixture.options(parallel: 1)
        options.router.headPath = path
        options.engine.pooledBlocks = pooledBlocks
        let application = try RouterApplication(options: options, locator: ServerFixture.locator)
        _ = try application.waitUntilLoaded().get()
        return (application, try TestHTTPClient(port: ServerFixture.port(application)))
    }

    static func sha256(_ path: String) throws -> String {
        SHA256.hex(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test func aChangedHeadIsSwappedInAndTheCacheEmptied() throws {
        let path = try Self.headFile(name: "first", threshold: 0.5)
        let (application, client) = try Self.serving(head: path)
        defer { application.stop(timeout: .seconds(5)) }

        let before = try client.request("POST", "/v1/route", body: Self.query).json()
        let firstSHA = try Self.sha256(path)
        #expect(before["head"] as? String == "first" && before["head_sha256"] as? String == firstSHA)
        #expect(try client.request("POST", "/v1/route", body: Self.query).json()["cached"] as? Bool == true)
        guard case .unchanged = application.reloadHead() else { Issue.record("the same file is no change"); return }

        try Self.write(name: "retrained", threshold: 0, to: path)
        guard case .swapped(let name, let sha, _) = application.reloadHead() else { Issue.record("not swapped"); return }
        let newSHA = try Self.sha256(path)
        #expect(name == "retrained" && sha == newSHA)
        let config = try client.request("GET", "/v1/config").json()
        #expect(config["head"] as? String == "retrained" && config["head_sha256"] as? String == sha)
        #expect(config["threshold"] as? Double == 0, "the new head's threshold applies")
        let after = try client.request("POST", "/v1/route", body: Self.query).json()
        #expect(after["head"] as? String == "retrained" && after["head_sha256"] as? String == sha)
        #expect(after["cached"] as? Bool == false, "the cache was emptied: the old head's distribution is not reused")
        #expect(after["route"] as? String == "strong", "threshold 0")
        #expect(after["probabilities"] as? [Double] == before["probabilities"] as? [Double], "the same weights, the same distribution")

        let metrics = try client.request("GET", "/metrics").text
        #expect(ServerFixture.metric("causal_router_head_reloads_total{result=\"swapped\"}", in: metrics) == 1)
        #expect(ServerFixture.metric("causal_router_head_reloads_total{result=\"unchanged\"}", in: metrics) == 1)
        #expect(ServerFixture.metric("causal_router_recent_verdicts", in: metrics) == 3)
        #expect(ServerFixture.metric("causal_router_recent_strong_share", in: metrics) >= 1.0 / 3)
    }

    @Test func aHeadThatDoesNotFitIsRefusedAndTheOldOneStays() throws {
        let path = try Self.headFile(name: "kept", threshold: 0.5)
        let (application, client) = try Self.serving(head: path)
        defer { application.stop(timeout: .seconds(5)) }
        let sha = try Self.sha256(path)

        let refusals: [(String, () throws -> Void)] = [
            ("another model", { try Self.write(name: "other-model", threshold: 0.5, to: path) { $0.modelSHA256 = String(repeating: "0", count: 64) } }),
            ("not a head", { try "{\"name\": ".write(toFile: path, atomically: true, encoding: .utf8) }),
            ("blocks the engine does not pool", {
                let shipped = try LabelHead.load(path: Self.shipped)
                let features = try HeadFeatures(spec: "final,logits,b3")
                let size = shipped.featureSize + (shipped.featureSize - 5)
                let head = LabelHead(name: "needs-b3", identity: shipped.identity, features: features, featureSize: size,
                                     mean: Array(repeating: 0, count: size), scale: Array(repeating: 1, count: size),
                                     weights: Array(repeating: Array(repeating: 0, count: size), count: 5), bias: Array(repeating: 0, count: 5))
                try head.write(to: path)
            }),
            ("a missing file", { try FileManager.default.removeItem(atPath: path) }),
        ]
        for (what, change) in refusals {
            try change()
            guard case .refused(let reason) = application.reloadHead() else { Issue.record("\(what): not refused"); continue }
            #expect(!reason.isEmpty)
            let verdict = try client.request("POST", "/v1/route", body: Self.query).json()
            #expect(verdict["head"] as? String == "kept" && verdict["head_sha256"] as? String == sha, "\(what): the old head stays")
        }
        let metrics = try client.request("GET", "/metrics").text
        #expect(ServerFixture.metric("causal_router_head_reloads_total{result=\"refused\"}", in: metrics) == 4)
        #expect(ServerFixture.metric("causal_router_head_reloads_total{result=\"swapped\"}", in: metrics) == 0)
    }

    /// `serve --pool-blocks`: an engine that pools a block its head does not read takes a head
    /// that does (a traffic head trained on pooled blocks) at the next SIGHUP.
    @Test func aHeadReadingBlocksPooledInAdvanceIsSwappedIn() throws {
        let path = try Self.headFile(name: "shipped-copy", threshold: 0.5)
        let (application, client) = try Self.serving(head: path, pooledBlocks: [3])
        defer { application.stop(timeout: .seconds(5)) }
        #expect(try client.request("POST", "/v1/route", body: Self.query).json()["head"] as? String == "shipped-copy")

        let shipped = try LabelHead.load(path: Self.shipped)
        let features = try HeadFeatures(spec: "b3")
        let size = shipped.featureSize - 5
        let traffic = LabelHead(name: "traffic-b3", identity: shipped.identity, features: features, featureSize: size,
                                mean: Array(repeating: 0, count: size), scale: Array(repeating: 1, count: size),
                                weights: Array(repeating: Array(repeating: 0, count: size), count: 5), bias: [2, 0, 0, 0, 0])
        try traffic.write(to: path)
        guard case .swapped(let name, _, _) = application.reloadHead() else { Issue.record("not swapped"); return }
        #expect(name == "traffic-b3")
        let verdict = try client.request("POST", "/v1/route", body: Self.query).json()
        #expect(verdict["head"] as? String == "traffic-b3")
        #expect(verdict["route"] as? String == "strong", "its bias puts most mass on label 1")
    }

    @Test func aRealSighupSwapsTheHeadOfTheServeProcess() throws {
        let path = try Self.headFile(name: "before-hup", threshold: 0.5)
        let server = try ServeProcess(["--port", "0", "--threads", "1", "--parallel", "1", "--head", path])
        _ = try #require(server.port(), "log: \(server.log)")
        #expect(server.waitUntilReady(), "log: \(server.log)")
        let client = try server.client()
        #expect(try client.request("GET", "/v1/config").json()["head"] as? String == "before-hup")

        try Self.write(name: "after-hup", threshold: 0.5, to: path)
        server.signal(SIGHUP)
        #expect(server.readUntil("head swapped"), "log: \(server.log)")
        #expect(try client.request("POST", "/v1/route", body: Self.query).json()["head"] as? String == "after-hup")

        try Self.write(name: "wrong-model", threshold: 0.5, to: path) { $0.modelSHA256 = String(repeating: "1", count: 64) }
        server.signal(SIGHUP)
        #expect(server.readUntil("head reload refused"), "log: \(server.log)")
        #expect(server.log.components(separatedBy: "\n").filter { $0.contains("head reload refused") }.count == 1, "one line")
        #expect(try client.request("GET", "/v1/config").json()["head"] as? String == "after-hup")

        server.signal(SIGTERM)
        try #require(server.waitForExit(), "serve did not exit within a minute of SIGTERM; log: \(server.log)")
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0, "log: \(server.log)")
    }
}
