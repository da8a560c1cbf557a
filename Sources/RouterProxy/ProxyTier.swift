/// One tier of the proxy: an upstream and the largest strong-model win rate it answers
/// (exclusive; nil for the largest tier, which takes everything above the others).
public struct ProxyTier: Equatable, Sendable {
    public var upstream: UpstreamEndpoint
    public var maxStrongWinRate: Double?

    public var name: String { upstream.name }

    public init(upstream: UpstreamEndpoint, maxStrongWinRate: Double?) {
        self.upstream = upstream
        self.maxStrongWinRate = maxStrongWinRate
    }
}
