/// The strong and weak models' prices, in one unit (per request or per 1,000 tokens).
public struct ModelPrices: Equatable, Sendable {
    public enum Unit: String, Sendable {
        case request
        case thousandTokens = "1k tokens"
    }

    public var strong: Double
    public var weak: Double
    public var unit: Unit

    public init(strong: Double, weak: Double, unit: Unit) {
        self.strong = strong
        self.weak = weak
        self.unit = unit
    }

    /// Reads `strong_price_per_request` + `weak_price_per_request`, or the `_per_1k_tokens`
    /// pair; nil when neither pair is there. Half a pair, both pairs, or negative prices are errors.
    init?(file: RoutingConfig.File, path: String) throws(RouterError) {
        let perRequest = (file.strong_price_per_request, file.weak_price_per_request)
        let perTokens = (file.strong_price_per_1k_tokens, file.weak_price_per_1k_tokens)
        let given = [perRequest.0, perRequest.1, perTokens.0, perTokens.1].compactMap { $0 }
        if given.isEmpty { return nil }
        guard given.allSatisfy({ $0 >= 0 }) else { throw .configInvalid(path: path, reason: "prices must not be negative") }
        if let strong = perRequest.0, let weak = perRequest.1, perTokens.0 == nil, perTokens.1 == nil {
            self.init(strong: strong, weak: weak, unit: .request)
        } else if let strong = perTokens.0, let weak = perTokens.1, perRequest.0 == nil, perRequest.1 == nil {
            self.init(strong: strong, weak: weak, unit: .thousandTokens)
        } else {
            throw .configInvalid(path: path, reason: "give both strong_ and weak_price_per_request, or both strong_ and weak_price_per_1k_tokens")
        }
    }

    /// Cost of routing `strongShare` of the traffic to the strong model, relative to sending it
    /// all there (same request sizes assumed for both models).
    public func relativeCost(strongShare: Double) -> Double {
        strong == 0 ? 1 : (strongShare * strong + (1 - strongShare) * weak) / strong
    }
}
