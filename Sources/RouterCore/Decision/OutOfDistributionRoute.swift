/// What to do with a query that lies outside a head's training data (`"ood": true` in its
/// verdict), the decision config's `ood_route` (applied in `RoutingConfig+Rules`).
public enum OutOfDistributionRoute: String, Codable, Sendable, CaseIterable {
    /// Send it to the strong model: the safe choice when the head cannot be trusted (default).
    case strong
    /// Send it to the weak model.
    case weak
    /// Use the head's verdict anyway.
    case model
}
