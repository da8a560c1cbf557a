import RouterCore
import Testing
@testable import RouterProxy

/// The `X-Router-*` headers say when a routed distribution came from the verdict cache.
@Suite struct RouterHeadersTests {
    static func names(cached: Bool, fallbackReason: FallbackReason? = nil) -> [String: String] {
        let config = try! RoutingConfig(threshold: 0.5, fallbackRoute: .weak)
        let scored = ScoredQuery(distribution: LabelDistribution(probabilities: [0.05, 0.1, 0.1, 0.7, 0.05]), truncated: false, promptTokens: 3)
        let verdict = fallbackReason.map { config.fallbackVerdict($0, template: "t", head: nil, latencyMs: 1) }
            ?? config.verdict(for: scored, cached: cached, template: "t", latencyMs: 1)
        let fields = RouterHeaders(requestID: "r-1", route: "weak", verdict: verdict).fields(upstream: "weak", failover: false)
        return Dictionary(fields, uniquingKeysWith: { first, _ in first })
    }

    @Test func aCachedDecisionSaysSo() {
        #expect(Self.names(cached: true)["X-Router-Cached"] == "1")
        #expect(Self.names(cached: true)["X-Router-Label"] == "4")
        #expect(Self.names(cached: false)["X-Router-Request-Id"] == "r-1")
        #expect(Self.names(cached: false)["X-Router-Cached"] == nil, "absent when decoded")
        #expect(Self.names(cached: false, fallbackReason: .timeout)["X-Router-Cached"] == nil)
        #expect(Self.names(cached: false, fallbackReason: .timeout)["X-Router-Fallback"] == "timeout")
        #expect(Self.names(cached: false, fallbackReason: .error("boom"))["X-Router-Fallback"] == "error", "the message stays in the verdict")
        #expect(Self.names(cached: false, fallbackReason: .timeout)["X-Router-Label"] == "none")
    }
}
