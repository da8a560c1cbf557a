/// Where a route is decided: the threshold rule, the out-of-distribution rule and fail-open,
/// for every command and endpoint (the proxy's tiers follow in `TierChoice`).
extension RoutingConfig {
    /// The route for a strong-model win rate: strong when `strongWinRate >= threshold`.
    public func route(strongWinRate: Double) -> Route {
        strongWinRate >= threshold ? .strong : .weak
    }

    /// The route for a scored query and the rule that chose it: the threshold, unless the query
    /// is out of distribution and `ood_route` is strong or weak.
    public func route(for scored: ScoredQuery) -> (route: Route, rule: RouteRule) {
        if scored.outOfDistribution {
            switch oodRoute {
            case .strong: return (.strong, .outOfDistribution)
            case .weak: return (.weak, .outOfDistribution)
            case .model: break
            }
        }
        return (route(strongWinRate: scored.distribution.strongWinRate), .threshold)
    }

    /// The model name a route goes to.
    public func model(for route: Route) -> String {
        route == .strong ? strongModel : weakModel
    }

    /// The verdict for a scored query (`cached`: its distribution came from the verdict cache).
    public func verdict(for scored: ScoredQuery, cached: Bool = false, template: String, latencyMs: Double) -> Verdict {
        let (route, rule) = route(for: scored)
        return Verdict(model: model(for: route), route: route, rule: rule, scored: scored.verdictFields, cached: cached,
                       threshold: threshold, template: template, head: scored.head, headSHA256: scored.headSHA256, latencyMs: latencyMs)
    }

    /// The verdict for a query that was not scored: the fallback route, for `reason`.
    public func fallbackVerdict(_ reason: FallbackReason, template: String, head: LabelHead?, latencyMs: Double) -> Verdict {
        Verdict(model: model(for: fallbackRoute), route: fallbackRoute, rule: .fallback(reason), scored: nil, cached: false,
                threshold: threshold, template: template, head: head?.name, headSHA256: head?.fileSHA256, latencyMs: latencyMs)
    }
}
