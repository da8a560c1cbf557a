/// The router's answer for one query, as printed by `route` and returned by the server.
public struct Verdict: Equatable, Sendable {
    /// The model to call (the config's strong or weak model).
    public var model: String
    public var route: Route
    public var label: Int
    public var probabilities: [Double]
    public var strongWinRate: Double
    public var expectedScore: Double
    public var threshold: Double
    public var template: String
    /// The learned head that gave the distribution; nil for the zero-shot label logits.
    public var head: String?
    /// How far the query lies from the head's training rows (0...1; nil without a head that reports it).
    public var oodScore: Double?
    /// Outside the head's training data: routed by the config's `ood_route`.
    public var outOfDistribution: Bool
    public var latencyMs: Double
    public var truncated: Bool
    public var promptTokens: Int

    public init(scored: ScoredQuery, config: RoutingConfig, template: String, latencyMs: Double) {
        let route = config.oodRoute.apply(to: config.route(strongWinRate: scored.distribution.strongWinRate),
                                          outOfDistribution: scored.outOfDistribution)
        self.model = config.model(for: route)
        self.route = route
        self.label = scored.distribution.label
        self.probabilities = scored.distribution.probabilities
        self.strongWinRate = scored.distribution.strongWinRate
        self.expectedScore = scored.distribution.expectedScore
        self.threshold = config.threshold
        self.template = template
        self.head = scored.head
        self.oodScore = scored.oodScore
        self.outOfDistribution = scored.outOfDistribution
        self.latencyMs = latencyMs
        self.truncated = scored.truncated
        self.promptTokens = scored.promptTokens
    }

    /// The verdict as JSON, fields in the documented order.
    public var json: JSONValue {
        .object([
            ("model", .string(model)),
            ("route", .string(route.rawValue)),
            ("label", .int(label)),
            ("probabilities", .array(probabilities.map(JSONValue.number))),
            ("strong_win_rate", .number(strongWinRate)),
            ("expected_score", .number(expectedScore)),
            ("threshold", .number(threshold)),
            ("template", .string(template)),
            ("head", head.map(JSONValue.string) ?? .null),
            ("ood_score", oodScore.map(JSONValue.number) ?? .null),
            ("ood", .bool(outOfDistribution)),
            ("latency_ms", .number(latencyMs)),
            ("truncated", .bool(truncated)),
            ("prompt_tokens", .int(promptTokens)),
        ])
    }
}
