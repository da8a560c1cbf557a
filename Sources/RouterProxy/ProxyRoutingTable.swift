/// The upstreams the proxy forwards to and one circuit breaker per tier: swapped whole when
/// SIGHUP re-reads the upstreams, so a request works with the table it started with.
struct ProxyRoutingTable: Sendable {
    let upstreams: UpstreamConfig
    /// breakers[i]: the breaker of upstreams.tiers[i].
    let breakers: [CircuitBreaker]

    init(upstreams: UpstreamConfig) {
        self.upstreams = upstreams
        self.breakers = upstreams.tiers.map { _ in CircuitBreaker(policy: upstreams.breaker) }
    }

    private init(upstreams: UpstreamConfig, breakers: [CircuitBreaker]) {
        self.upstreams = upstreams
        self.breakers = breakers
    }

    /// A table for `new` upstreams: a tier with the same name, endpoint and breaker policy keeps
    /// its breaker (an upstream that is down stays open), any other tier starts closed.
    func replaced(by new: UpstreamConfig) -> ProxyRoutingTable {
        let kept = new.tiers.map { tier -> CircuitBreaker in
            guard new.breaker == upstreams.breaker,
                  let index = upstreams.tiers.firstIndex(where: { $0.name == tier.name && $0.upstream == tier.upstream }) else {
                return CircuitBreaker(policy: new.breaker)
            }
            return breakers[index]
        }
        return ProxyRoutingTable(upstreams: new, breakers: kept)
    }
}
