/// How the proxy picks the upstream tier (smallest first) that answers a verdict.
public enum TierChoice: Equatable, Sendable {
    /// Two tiers, `[weak, strong]`: the verdict's route picks.
    case byRoute
    /// Tiers each answering strong win rates below an upper bound (nil: the last, which takes
    /// the rest): the first whose bound is above the verdict's strong win rate.
    case byWinRate(upperBounds: [Double?])

    /// The tier for `verdict`. A route the win rate did not choose (a fallback, or an
    /// out-of-distribution query sent by `ood_route`) goes to the largest tier when strong, the
    /// smallest when weak.
    public func tierIndex(for verdict: Verdict) -> Int {
        switch self {
        case .byRoute:
            return verdict.route == .strong ? 1 : 0
        case .byWinRate(let bounds):
            guard verdict.rule == .threshold, let rate = verdict.strongWinRate else {
                return verdict.route == .strong ? bounds.count - 1 : 0
            }
            return bounds.firstIndex { ($0 ?? .infinity) > rate } ?? bounds.count - 1
        }
    }
}
