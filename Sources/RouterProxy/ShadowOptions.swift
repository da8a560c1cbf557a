/// `serve --shadow-rate R --shadow-max-inflight N`: the share of routed chat requests also sent,
/// once the client has its answer, to the tier the router did not choose, and how many such
/// shadow requests may run at once.
public struct ShadowOptions: Sendable, Equatable {
    /// 0...1; 0 (the default) sends none.
    public var rate: Double
    public var maxInFlight: Int

    public static let defaultMaxInFlight = 4

    public init(rate: Double = 0, maxInFlight: Int = ShadowOptions.defaultMaxInFlight) {
        self.rate = rate
        self.maxInFlight = maxInFlight
    }
}
