import HTTPTransport
import RouterCore
import RouterServer

/// Session affinity in the proxy: a routed chat request of a known conversation goes to the
/// tier the conversation is on, by the config's `SessionPolicy` (RouterService.sessionDecision).
/// The conversation is named by `X-Session-Id` (`new`: route afresh), else by the request's
/// `user`, else found by its earlier messages (`SessionTranscript`).
extension OpenAIProxy {
    /// The first tier for `verdict` with the request's session applied, the verdict with its
    /// `session` fields, and the session to pin once answered (nil: affinity off, a completion,
    /// or messages that cannot be read as chat messages).
    func routeSession(_ completion: ProxiedCompletion, request: HTTPRequest, verdict: Verdict, freshTier: Int,
                      upstreams: UpstreamConfig) throws(ProxyError) -> (tier: Int, verdict: Verdict, session: ProxySession?) {
        guard service.sessions.isEnabled, completion.kind == .chat, let messages = completion.object["messages"] as? [Any],
              let transcript = SessionTranscript(messages: messages) else {
            return (freshTier, verdict, nil)
        }
        let header = request.header("X-Session-Id")?.trimmingCharacters(in: .whitespaces)
        if let header, let problem = SessionName.problem(header) { throw .invalidRequest("X-Session-Id \(problem)") }
        let fresh = header == SessionName.fresh
        let user = (completion.object["user"] as? String).flatMap { SessionName.problem($0) == nil ? $0 : nil }
        let named = (fresh ? nil : header ?? user).map(SessionKey.named)
        let decision = service.sessionDecision(
            key: fresh ? nil : named ?? transcript.earlierKey, turn: transcript.turn, freshTier: freshTier, verdict: verdict,
            tiers: upstreams.tiers.map(\.name), bounds: SessionPolicy.bounds(of: upstreams.tierChoice, threshold: verdict.threshold))
        var answered = verdict
        answered.session = decision.outcome
        answered.sessionTier = upstreams.tiers[decision.tier].name
        return (decision.tier, answered,
                ProxySession(named: named, transcript: transcript, tier: decision.tier, outcome: decision.outcome))
    }
}
