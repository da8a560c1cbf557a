import Foundation
import RouterServer

/// The `X-Router-*` headers on every proxied answer: the routed tier, who answered, whether it
/// failed over, and the scored label and strong win rate (`none` for a fallback or a named model);
/// `X-Router-Cached: 1` when the distribution came from the verdict cache.
struct RouterHeaders {
    var route: String
    var decision: RoutingDecision?

    func fields(upstream: String?, failover: Bool) -> [(String, String)] {
        var fields = [
            ("X-Router-Route", route),
            ("X-Router-Upstream", upstream ?? "none"),
            ("X-Router-Failover", failover ? "1" : "0"),
            ("X-Router-Label", decision?.label.map(String.init) ?? "none"),
            ("X-Router-Strong-Win-Rate", decision?.strongWinRate.map { String(format: "%.4f", $0) } ?? "none"),
        ]
        if decision?.cached == true {
            fields.append(("X-Router-Cached", "1"))
        }
        if let reason = decision?.fallbackReason {
            fields.append(("X-Router-Fallback", reason.hasPrefix("error") ? "error" : reason))
        }
        return fields
    }
}
