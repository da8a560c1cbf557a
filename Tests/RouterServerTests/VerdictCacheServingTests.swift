import Foundation
import Glibc
import RouterCore
import TestSupport
import Testing
@testable import RouterServer

/// The verdict cache in a real server with the real model, over real sockets: a repeated query
/// is answered from the cached distribution without a decode, routed by the threshold and config
/// in force; `--verdict-cache 0` caches nothing.
@Suite(.serialized, .timeLimit(.minutes(5))) struct VerdictCacheServingTests {
    static let query = "How many legs do three spiders and two ants have together?"

    static func route(_ client: TestHTTPClient, _ body: String) throws -> [String: Any] {
        let response = try client.request("POST", "/v1/route", body: body)
        #expect(response.status == 200, "\(response.text)")
        return try response.json()
    }

    /// The scored fields, as text, of a verdict (everything but the route, threshold, latency and cache flag).
    static func scoredFields(_ verdict: [String: Any]) -> [String] {
        ["label", "probabilities", "strong_win_rate", "expected_score", "head", "ood_score", "ood", "truncated", "prompt_tokens"]
            .map { "\($0)=\(verdict[$0].map { "\($0)" } ?? "absent")" }
    }

    @Test func aRepeatedQueryIsAnsweredFromTheCacheAndRoutedByTheThresholdInForce() throws {
        let path = try ConfigReloadTests.configFile(#"{"ood_route": "model", "strong_model": "big-1", "weak_model": "small-1"}"#)
        var options = ServerFixture.options(parallel: 1)
        options.router.configPath = path
        let application = try RouterApplication(options: options, locator: ServerFixture.locator)
        defer { application.stop(timeout: .seconds(5)) }
        _ = try application.waitUntilLoaded().get()
        let client = try TestHTTPClient(port: ServerFixture.port(application))
        func metric(_ name: String) throws -> Double {
            ServerFixture.metric("causal_router_" + name, in: try client.request("GET", "/metrics").text)
        }
        let json = ServerFixture.jsonString(Self.query)

        let first = try Self.route(client, #"{"query": \#(json), "threshold": 0, "timeout_ms": 120000}"#)
        #expect(first["fallback"] as? Bool == false && first["cached"] as? Bool == false)
        #expect(first["route"] as? String == "strong" && first["model"] as? String == "big-1", "threshold 0: strong")
        let strongWinRate = try #require(first["strong_win_rate"] as? Double)
        try #require(strongWinRate < 1, "threshold 1 must route this query weak")
        let decodes = try metric("batch_queries_count"), tokens = try metric("tokens_processed_total")
        #expect(decodes >= 1 && tokens > 0)

        // The same normalised text (surrounding whitespace is not scored), another threshold.
        let second = try Self.route(client, #"{"query": "  \#(json.dropFirst().dropLast())\n", "threshold": 1, "timeout_ms": 120000}"#)
        #expect(second["cached"] as? Bool == true && second["fallback"] as? Bool == false)
        #expect(Self.scoredFields(second) == Self.scoredFields(first), "the cached distribution, bit for bit")
        #expect(second["probabilities"] as? [Double] == first["probabilities"] as? [Double])
        #expect(second["threshold"] as? Double == 1 && second["route"] as? String == "weak" && second["model"] as? String == "small-1",
                "routed by this request's threshold")
        #expect(try metric("batch_queries_count") == decodes && metric("tokens_processed_total") == tokens, "nothing was decoded")
        #expect(try metric("verdict_cache_hits_total") == 1 && metric("verdict_cache_misses_total") == 1)
        #expect(try metric("verdict_cache_entries") == 1 && metric("verdict_cache_capacity") == 10_000)

        // A lone user message is the same query to the engine, so the same entry.
        let messages = try Self.route(client, #"""
            {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": \#(json)}], "timeout_ms": 120000, "threshold": 0}
            """#)
        #expect(messages["cached"] as? Bool == true && messages["route"] as? String == "strong")
        #expect(Self.scoredFields(messages) == Self.scoredFields(first))

        // A reload keeps the cache; the route follows the new config.
        try ConfigReloadTests.rewrite(path, #"{"ood_route": "model", "strong_model": "big-2", "weak_model": "small-2"}"#)
        _ = try application.reloadConfig().get()
        let reloaded = try Self.route(client, #"{"query": \#(json), "threshold": 1, "timeout_ms": 120000}"#)
        #expect(reloaded["cached"] as? Bool == true && reloaded["model"] as? String == "small-2")

        // The proxy's path (RouterService.decide) reads the same cache.
        let decision = try application.service.decide(body: Array(#"{"query": \#(json)}"#.utf8), threshold: 0, receivedAt: .now)
        #expect(decision.cached && decision.route == .strong && decision.fallbackReason == nil)
        // (JSONSerialization on Linux may parse a double to its neighbour: compare to within an ulp or so.)
        #expect(abs((decision.strongWinRate ?? -1) - strongWinRate) < 1e-12)

        // In a batch, each item is looked up on its own.
        let batch = try client.request("POST", "/v1/route/batch",
                                       body: #"{"queries": [\#(json), "What is the boiling point of water in Kelvin?"], "timeout_ms": 120000}"#)
        let verdicts = try #require(try batch.json()["verdicts"] as? [[String: Any]])
        #expect(verdicts.map { $0["cached"] as? Bool } == [true, false])
        #expect(verdicts.allSatisfy { $0["fallback"] as? Bool == false })
        #expect(try metric("verdict_cache_hits_total") == 5 && metric("verdict_cache_misses_total") == 2)
        #expect(try metric("verdict_cache_entries") == 2)
        #expect(try metric("batch_queries_count") == decodes + 1, "only the new query was decoded")

        // A query past its deadline gets a fallback, which is not stored.
        let late = try Self.route(client, #"{"query": "Explain general relativity in depth.", "timeout_ms": 1}"#)
        #expect(late["fallback"] as? Bool == true && late["reason"] as? String == "timeout" && late["cached"] as? Bool == false)
        #expect(try metric("verdict_cache_entries") == 2 && metric("verdict_cache_misses_total") == 3)
    }

    @Test func aFallbackIsNeverCached() throws {
        // No queue room: every query is refused at once with an "overloaded" fallback.
        let application = try RouterApplication(options: ServerFixture.options(parallel: 1, maxQueue: 0), locator: ServerFixture.locator)
        defer { application.stop(timeout: .seconds(5)) }
        _ = try application.waitUntilLoaded().get()
        let client = try TestHTTPClient(port: ServerFixture.port(application))
        let body = #"{"query": "Name a prime number above 100.", "timeout_ms": 120000}"#
        for attempt in 1...2 {
            let verdict = try Self.route(client, body)
            #expect(verdict["fallback"] as? Bool == true && verdict["reason"] as? String == "overloaded", "attempt \(attempt)")
            #expect(verdict["cached"] as? Bool == false, "attempt \(attempt)")
        }
        let metrics = try client.request("GET", "/metrics").text
        #expect(ServerFixture.metric("causal_router_verdict_cache_entries", in: metrics) == 0, "the fallback was not stored")
        #expect(ServerFixture.metric("causal_router_verdict_cache_hits_total", in: metrics) == 0)
        #expect(ServerFixture.metric("causal_router_verdict_cache_misses_total", in: metrics) == 2)
        #expect(ServerFixture.metric("causal_router_fallbacks_total{reason=\"overloaded\"}", in: metrics) == 2)
    }

    @Test func verdictCacheZeroCachesNothing() throws {
        let server = try ServeProcess(["--port", "0", "--threads", "1", "--parallel", "1", "--verdict-cache", "0", "--verdict-cache-ttl", "30"])
        let port = try #require(server.port(), "log: \(server.log)")
        #expect(server.readUntil("ready in"), "log: \(server.log)")
        let client = try TestHTTPClient(port: port)
        let limits = try #require(try client.request("GET", "/v1/config").json()["limits"] as? [String: Any])
        #expect(limits["verdict_cache_entries"] as? Int == 0 && limits["verdict_cache_ttl_s"] as? Double == 30)
        let body = "{\"query\": \(ServerFixture.jsonString(Self.query)), \"timeout_ms\": 120000}"
        let first = try Self.route(client, body)
        let decodes = ServerFixture.metric("causal_router_batch_queries_count", in: try client.request("GET", "/metrics").text)
        let second = try Self.route(client, body)
        #expect(first["cached"] as? Bool == false && second["cached"] as? Bool == false)
        #expect(Self.scoredFields(second) == Self.scoredFields(first), "scored again, the same (batch-invariant)")
        let metrics = try client.request("GET", "/metrics").text
        #expect(ServerFixture.metric("causal_router_batch_queries_count", in: metrics) > decodes, "the repeat was decoded")
        for name in ["hits_total", "misses_total", "entries", "capacity"] {
            #expect(metrics.contains("causal_router_verdict_cache_\(name) 0\n"), "\(name) is 0")
        }
        server.signal(SIGTERM)
        try #require(server.waitForExit(), "serve did not exit within a minute of SIGTERM; log: \(server.log)")
        #expect(server.process.terminationStatus == 0, "log: \(server.log)")
    }
}
