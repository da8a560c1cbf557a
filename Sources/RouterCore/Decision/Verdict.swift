/// The router's answer for one query, and its one JSON form: printed by `route`, returned by
/// `/v1/route`, turned into the proxy's tier and `X-Router-*` headers. Either scored (the route
/// by the threshold or `ood_route`) or a fallback with its reason; made by
/// `RoutingConfig.verdict(for:)` and `RoutingConfig.fallbackVerdict(_:)`.
public struct Verdict: Equatable, Sendable {
    /// The model to call (the config's strong or weak model).
    public var model: String
    public var route: Route
    /// Which rule chose the route.
    public var rule: RouteRule
    /// What the engine scored (without its features); nil for a fallback.
    public var scored: ScoredQuery?
    /// The distribution came from the verdict cache (the query was not decoded).
    public var cached: Bool
    public var threshold: Double
    public var template: String
    /// The learned head that gave (or would have given) the distribution; nil for the zero-shot
    /// label logits.
    public var head: String?
    /// The SHA-256 of that head's file (nil: zero-shot, or a head made in memory).
    public var headSHA256: String?
    public var latencyMs: Double
    /// What session affinity did (nil: the request named no session, or affinity is off).
    public var session: SessionOutcome?
    /// The tier the session is on after this turn (nil without a session).
    public var sessionTier: String?

    public init(model: String, route: Route, rule: RouteRule, scored: ScoredQuery?, cached: Bool,
                threshold: Double, template: String, head: String?, headSHA256: String? = nil, latencyMs: Double) {
        self.model = model
        self.route = route
        self.rule = rule
        self.scored = scored
        self.cached = cached
        self.threshold = threshold
        self.template = template
        self.head = head
        self.headSHA256 = headSHA256
        self.latencyMs = latencyMs
    }

    /// The predicted label (argmax); nil for a fallback.
    public var label: Int? { scored?.distribution.label }
    /// P(1)+P(2)+P(3); nil for a fallback.
    public var strongWinRate: Double? { scored?.distribution.strongWinRate }
    /// Outside the head's training data (false for a fallback).
    public var outOfDistribution: Bool { scored?.outOfDistribution ?? false }
    /// Why the query was not scored; nil when it was.
    public var fallbackReason: FallbackReason? {
        if case .fallback(let reason) = rule { return reason }
        return nil
    }

    /// The verdict as JSON, fields in the documented order; a fallback's scored fields are null
    /// and it adds `"reason"`.
    public var json: JSONValue {
        let distribution = scored?.distribution
        var fields: [(String, JSONValue)] = [
            ("model", .string(model)),
            ("route", .string(route.rawValue)),
            ("label", distribution.map { .int($0.label) } ?? .null),
            ("probabilities", distribution.map { .array($0.probabilities.map(JSONValue.number)) } ?? .null),
            ("strong_win_rate", distribution.map { .number($0.strongWinRate) } ?? .null),
            ("expected_score", distribution.map { .number($0.expectedScore) } ?? .null),
            ("threshold", .number(threshold)),
            ("template", .string(template)),
            ("head", head.map(JSONValue.string) ?? .null),
            ("head_sha256", headSHA256.map(JSONValue.string) ?? .null),
            ("ood_score", scored?.oodScore.map(JSONValue.number) ?? .null),
            ("ood", .bool(outOfDistribution)),
            ("latency_ms", .number(latencyMs)),
            ("truncated", .bool(scored?.truncated ?? false)),
            ("prompt_tokens", scored.map { .int($0.promptTokens) } ?? .null),
            ("fallback", .bool(fallbackReason != nil)),
            ("cached", .bool(cached)),
        ]
        if let fallbackReason { fields.append(("reason", .string(fallbackReason.description))) }
        if let session {
            fields.append(("session", .string(session.rawValue)))
            fields.append(("session_tier", sessionTier.map(JSONValue.string) ?? .null))
        }
        return .object(fields)
    }
}
