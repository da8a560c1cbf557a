import Foundation
import RouterCore
import RouterServer

/// The `X-Router-*` headers on every proxied answer: the routed tier, who answered, whether it
/// failed over, and the scored label and strong win rate (`none` for a fallback or a named model);
/// `X-Router-Cached: 1` when the distribution came from the verdict cache; `X-Router-Session`
/// what session affinity did (`new`, `pinned`, `upgraded`, `downgraded`, `tool`).
struct RouterHeaders {
    /// `X-Router-Request-Id` (`RequestID`).
    var requestID: String
    var route: String
    /// The routed verdict; nil for a request that named its model.
    var verdict: Verdict?

    func fields(upstream: String?, failover: Bool) -> [(String, String)] {
        var fields = [
            (RequestID.header, requestID),
            ("X-Router-Route", route),
            ("X-Router-Upstream", upstream ?? "none"),
            ("X-Router-Failover", failover ? "1" : "0"),
            ("X-Router-Label", verdict?.label.map(String.init) ?? "none"),
            ("X-Router-Strong-Win-Rate", verdict?.strongWinRate.map { String(format: "%.4f", $0) } ?? "none"),
        ]
        if verdict?.cached == true {
            fields.append(("X-Router-Cached", "1"))
        }
        if let session = verdict?.session {
            fields.append(("X-Router-Session", session.rawValue))
        }
        if let reason = verdict?.fallbackReason {
            fields.append(("X-Router-Fallback", reason.category))
        }
        return fields
    }
}
