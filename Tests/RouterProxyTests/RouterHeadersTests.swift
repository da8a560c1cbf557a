import RouterServer
import Testing
@testable import RouterProxy

/// The `X-Router-*` headers say when a routed distribution came from the verdict cache.
@Suite struct RouterHeadersTests {
    static func names(cached: Bool, fallbackReason: String? = nil) -> [String: String] {
        let decision = RoutingDecision(route: .weak, strongWinRate: fallbackReason == nil ? 0.25 : nil, label: fallbackReason == nil ? 4 : nil,
                                       fallbackReason: fallbackReason, threshold: 0.5, cached: cached)
        let fields = RouterHeaders(route: "weak", decision: decision).fields(upstream: "weak", failover: false)
        return Dictionary(fields, uniquingKeysWith: { first, _ in first })
    }

    @Test func aCachedDecisionSaysSo() {
        #expect(Self.names(cached: true)["X-Router-Cached"] == "1")
        #expect(Self.names(cached: true)["X-Router-Label"] == "4")
        #expect(Self.names(cached: false)["X-Router-Cached"] == nil, "absent when decoded")
        #expect(Self.names(cached: false, fallbackReason: "timeout")["X-Router-Cached"] == nil)
        #expect(Self.names(cached: false, fallbackReason: "timeout")["X-Router-Fallback"] == "timeout")
    }
}
