import HTTPTransport
import RouterCore

/// Session affinity's shared step (the proxy's and `/v1/route`'s): where a turn of a session goes,
/// by the config's `SessionPolicy`, counted in /metrics. `/v1/route` sees no answers, so there a
/// session is named (`X-Session-Id`, or `"session_id"` in the body) and pinned at once; the proxy
/// pins after the answer (RouterProxy's `SessionTranscript`).
extension RouterService {
    /// The tier (index into `tiers`, smallest first) and outcome for a turn whose session is
    /// looked up under `key` (nil: routed afresh, a new session). `bounds`: as `SessionPolicy.bounds`.
    public func sessionDecision(key: SessionKey?, turn: SessionTurn, freshTier: Int, verdict: Verdict,
                                tiers: [String], bounds: [Double?]) -> (tier: Int, outcome: SessionOutcome) {
        let current = key.flatMap { sessions.tier(for: $0) }.flatMap { tiers.firstIndex(of: $0) }
        let decision = config.sessionPolicy.decide(sessionTier: current, turn: turn, freshTier: freshTier, verdict: verdict,
                                                   bounds: bounds)
        sessions.record(decision.outcome)
        return decision
    }

    /// `/v1/route`'s verdict with its session applied: the route (and model) of the session's tier,
    /// `"session"` and `"session_tier"`. The header `X-Session-Id` names the session, else the
    /// body's `session_id`; `X-Session-Id: new` routes afresh. Unchanged without a session or
    /// with affinity off.
    func applyingSession(to verdict: Verdict, request: RouteRequestBody, http: HTTPRequest) throws(RequestError) -> Verdict {
        guard sessions.isEnabled else { return verdict }
        let header = http.header("X-Session-Id")?.trimmingCharacters(in: .whitespaces)
        if let header, let problem = SessionName.problem(header) { throw RequestError("X-Session-Id \(problem)") }
        let fresh = header == SessionName.fresh || (header == nil && request.sessionId == SessionName.fresh)
        let name = header.flatMap { $0 == SessionName.fresh ? nil : $0 } ?? request.sessionId.flatMap { $0 == SessionName.fresh ? nil : $0 }
        guard name != nil || fresh else { return verdict }
        let key = name.map(SessionKey.named)
        let routes: [Route] = [.weak, .strong]
        let decision = sessionDecision(key: fresh ? nil : key, turn: request.sessionTurn,
                                       freshTier: verdict.route == .strong ? 1 : 0, verdict: verdict,
                                       tiers: routes.map(\.rawValue), bounds: SessionPolicy.bounds(of: .byRoute, threshold: verdict.threshold))
        let route = routes[decision.tier]
        if let key { sessions.pin(key, to: route.rawValue) }
        var answered = verdict
        answered.route = route
        answered.model = config.model(for: route)
        answered.session = decision.outcome
        answered.sessionTier = route.rawValue
        return answered
    }
}
