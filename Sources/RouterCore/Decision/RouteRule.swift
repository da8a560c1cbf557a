/// Which of the decision rules (`RoutingConfig+Rules`) chose a verdict's route.
public enum RouteRule: Equatable, Sendable {
    /// The strong win rate against the threshold.
    case threshold
    /// The query lay outside the head's training data and `ood_route` (strong or weak) chose.
    case outOfDistribution
    /// The query was not scored: the config's `fallback_route`.
    case fallback(FallbackReason)
}
