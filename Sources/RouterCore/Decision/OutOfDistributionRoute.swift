/// What to do with a query that lies outside a head's training data (`"ood": true` in its
/// verdict), the decision config's `ood_route`.
public enum OutOfDistributionRoute: String, Codable, Sendable, CaseIterable {
    /// Send it to the strong model: the safe choice when the head cannot be trusted (default).
    case strong
    /// Send it to the weak model.
    case weak
    /// Use the head's verdict anyway.
    case model

    /// The route a verdict takes: `route` from the win rate, unless the query is out of
    /// distribution and this says otherwise.
    public func apply(to route: Route, outOfDistribution: Bool) -> Route {
        guard outOfDistribution else { return route }
        switch self {
        case .strong: return .strong
        case .weak: return .weak
        case .model: return route
        }
    }
}
