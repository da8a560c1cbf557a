import Locking
import RouterCore
import RouterServer

/// The proxy's counters, appended to `GET /metrics` (Prometheus text 0.0.4).
final class ProxyMetrics: Sendable {
    static let latencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private struct Histogram {
        var counts = Array(repeating: 0, count: ProxyMetrics.latencyBuckets.count)
        var sum = 0.0
        var count = 0
    }

    private struct State {
        var requests: [String: Int] = [:]            // "path\u{0}status"
        var upstreamRequests: [String: Int] = [:]    // "upstream\u{0}status or failure"
        var failovers: [String: Int] = [:]           // "from\u{0}to"
        var latency: [String: Histogram] = [:]       // upstream
        var promptTokens: [String: Int] = [:]
        var completionTokens: [String: Int] = [:]
        var costSaved = 0.0
        var costAllStrong = 0.0
        var shadows: [String: Int] = [:]             // ok / failed / skipped
    }

    private let state = Lock(State())
    let priceUnit: String?

    init(priceUnit: String?) {
        self.priceUnit = priceUnit
    }

    func recordRequest(path: String, status: Int) {
        state.withLock { $0.requests["\(path)\u{0}\(status)", default: 0] += 1 }
    }

    /// One exchange with an upstream: its HTTP status, or the failure's label; seconds to its end.
    func recordUpstream(_ upstream: String, outcome: String, seconds: Double?) {
        state.withLock { s in
            s.upstreamRequests["\(upstream)\u{0}\(outcome)", default: 0] += 1
            guard let seconds else { return }
            var histogram = s.latency[upstream] ?? Histogram()
            for (i, bound) in Self.latencyBuckets.enumerated() where seconds <= bound { histogram.counts[i] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            s.latency[upstream] = histogram
        }
    }

    func recordFailover(from: String, to: String) {
        state.withLock { $0.failovers["\(from)\u{0}\(to)", default: 0] += 1 }
    }

    func recordUsage(_ upstream: String, promptTokens: Int, completionTokens: Int) {
        state.withLock { s in
            s.promptTokens[upstream, default: 0] += promptTokens
            s.completionTokens[upstream, default: 0] += completionTokens
        }
    }

    /// What an answer cost and what it would have cost from the strong tier, in the config's price unit.
    func recordCost(actual: Double, allStrong: Double) {
        state.withLock { s in
            s.costSaved += allStrong - actual
            s.costAllStrong += allStrong
        }
    }

    /// A shadow request's outcome: `ok`, `failed` or `skipped` (over the bound, or its tier's circuit open).
    func recordShadow(_ outcome: String) {
        state.withLock { $0.shadows[outcome, default: 0] += 1 }
    }

    func render(breakers: [(String, BreakerSnapshot)]) -> String {
        let s = state.withLock { $0 }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) { out += PrometheusText.family(name, type, help) }
        func sample(_ name: String, _ labels: String, _ value: Double) { out += PrometheusText.sample(name, labels, value) }
        func pairs(_ table: [String: Int], _ name: String, _ first: String, _ second: String) {
            out += PrometheusText.pairs(name, table, labels: first, second)
        }
        family("proxy_requests_total", "counter", "OpenAI-compatible proxy requests answered, by path and status code.")
        pairs(s.requests, "proxy_requests_total", "path", "status")
        family("upstream_requests_total", "counter", "Exchanges with upstreams, by upstream and HTTP status (or failure: refused, connect_timeout, first_byte_timeout, total_timeout, transport_error, circuit_open).")
        pairs(s.upstreamRequests, "upstream_requests_total", "upstream", "status")
        family("upstream_failovers_total", "counter", "Requests retried on another tier after their upstream failed before answering.")
        pairs(s.failovers, "upstream_failovers_total", "from", "to")
        family("upstream_breaker_state", "gauge", "Circuit breaker per upstream: 0 closed, 1 open, 2 half-open.")
        for (name, snapshot) in breakers { sample("upstream_breaker_state", "upstream=\"\(name)\"", Double(snapshot.phase.gaugeValue)) }
        family("upstream_breaker_opened_total", "counter", "Times an upstream's circuit opened.")
        for (name, snapshot) in breakers { sample("upstream_breaker_opened_total", "upstream=\"\(name)\"", Double(snapshot.opened)) }
        family("upstream_latency_seconds", "histogram", "Time from sending a request upstream to the end of its answer.")
        for (name, histogram) in s.latency.sorted(by: { $0.key < $1.key }) {
            out += PrometheusText.histogram("upstream_latency_seconds", labels: "upstream=\"\(name)\"", bounds: Self.latencyBuckets,
                                            counts: histogram.counts, count: histogram.count, sum: histogram.sum)
        }
        family("upstream_prompt_tokens_total", "counter", "Prompt tokens reported by upstreams (usage).")
        for (name, count) in s.promptTokens.sorted(by: { $0.key < $1.key }) { sample("upstream_prompt_tokens_total", "upstream=\"\(name)\"", Double(count)) }
        family("upstream_completion_tokens_total", "counter", "Completion tokens reported by upstreams (usage).")
        for (name, count) in s.completionTokens.sorted(by: { $0.key < $1.key }) { sample("upstream_completion_tokens_total", "upstream=\"\(name)\"", Double(count)) }
        family("shadow_requests_total", "counter", "Shadow requests (--shadow-rate) by outcome: ok, failed, or skipped (over --shadow-max-inflight, or the tier's circuit open).")
        for outcome in ["ok", "failed", "skipped"] { sample("shadow_requests_total", "outcome=\"\(outcome)\"", Double(s.shadows[outcome] ?? 0)) }
        if let priceUnit {
            family("proxy_cost_saved_total", "counter", "Cost saved against sending every answered request to the strong tier, at the config's prices.")
            sample("proxy_cost_saved_total", "unit=\"\(priceUnit)\"", s.costSaved)
            family("proxy_cost_all_strong_total", "counter", "What the answered requests would have cost from the strong tier.")
            sample("proxy_cost_all_strong_total", "unit=\"\(priceUnit)\"", s.costAllStrong)
        }
        return out
    }
}
