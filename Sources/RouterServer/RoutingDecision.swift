import RouterCore

/// The routing engine's decision for one request, for handlers that act on it (the proxy):
/// the route, and the scored figures unless the decision is a fallback.
public struct RoutingDecision: Equatable, Sendable {
    public var route: Route
    /// P(1)+P(2)+P(3); nil for a fallback.
    public var strongWinRate: Double?
    /// The predicted label (argmax); nil for a fallback.
    public var label: Int?
    /// Why the fallback route was taken ("timeout", "overloaded", "loading", "error: ..."); nil when scored.
    public var fallbackReason: String?
    /// The threshold the route was decided with.
    public var threshold: Double
    /// The distribution came from the verdict cache (the query was not decoded).
    public var cached: Bool

    public init(route: Route, strongWinRate: Double?, label: Int?, fallbackReason: String?, threshold: Double, cached: Bool = false) {
        self.route = route
        self.strongWinRate = strongWinRate
        self.label = label
        self.fallbackReason = fallbackReason
        self.threshold = threshold
        self.cached = cached
    }
}
