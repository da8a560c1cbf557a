import HTTPTransport
import Locking
import RouterCore

/// Counters for `GET /metrics` (Prometheus text format 0.0.4).
final class RouterMetrics: Sendable {
    static let latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct State {
        var requests: [String: Int] = [:]   // "path\u{0}status"
        var latencyCounts = Array(repeating: 0, count: RouterMetrics.latencyBuckets.count)
        var latencySum = 0.0
        var latencyCount = 0
        var labels = Array(repeating: 0, count: 5)
        var routes: [String: Int] = [:]     // strong / weak
        var fallbacks: [String: Int] = [:]  // reason
        var outOfDistribution = 0
        var inFlight = 0
        var unauthorized = 0
        var reloads: [String: Int] = [:]    // ok / error
        var headReloads: [String: Int] = [:]  // HeadReload.metricLabel
        var recent = RecentVerdicts()
    }

    private let state = Lock(State())

    /// An answered request: `path` is a route table's path, or "other" for one it does not know.
    func recordRequest(path: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.requests["\(path)\u{0}\(status)", default: 0] += 1
            for (i, bound) in Self.latencyBuckets.enumerated() where seconds <= bound { s.latencyCounts[i] += 1 }
            s.latencySum += seconds
            s.latencyCount += 1
        }
    }

    /// A request reached the handler; `requestFinished` when it is answered.
    func requestStarted() {
        state.withLock { $0.inFlight += 1 }
    }

    func requestFinished() {
        state.withLock { $0.inFlight -= 1 }
    }

    func recordUnauthorized() {
        state.withLock { $0.unauthorized += 1 }
    }

    func recordConfigReload(succeeded: Bool) {
        state.withLock { $0.reloads[succeeded ? "ok" : "error", default: 0] += 1 }
    }

    func recordHeadReload(_ result: String) {
        state.withLock { $0.headReloads[result, default: 0] += 1 }
    }

    /// A verdict: its label and route, a fallback's reason, an out-of-distribution query; a
    /// scored one also enters the drift window.
    func recordVerdict(_ verdict: Verdict) {
        state.withLock { s in
            if verdict.scored != nil { s.recent.add(strong: verdict.route == .strong, outOfDistribution: verdict.outOfDistribution) }
            if let label = verdict.label { s.labels[label - 1] += 1 }
            s.routes[verdict.route.rawValue, default: 0] += 1
            if let reason = verdict.fallbackReason { s.fallbacks[reason.category, default: 0] += 1 }
            if verdict.outOfDistribution { s.outOfDistribution += 1 }
        }
    }

    /// The exposition text; engine figures come from its statistics when it is running.
    func render(engine: ScoringEngine?, ready: Bool, server: HTTPServerStatistics?, verdictCache: VerdictCacheStatistics) -> String {
        let s = state.withLock { $0 }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) { out += PrometheusText.family(name, type, help) }
        func sample(_ name: String, _ labels: String, _ value: Double) { out += PrometheusText.sample(name, labels, value) }
        family("requests_total", "counter", "HTTP requests answered, by path and status code.")
        out += PrometheusText.pairs("requests_total", s.requests, labels: "path", "status")
        family("request_duration_seconds", "histogram", "Time from a parsed request to its response.")
        out += PrometheusText.histogram("request_duration_seconds", bounds: Self.latencyBuckets, counts: s.latencyCounts,
                                        count: s.latencyCount, sum: s.latencySum)
        family("labels_total", "counter", "Predicted labels (argmax) of scored queries.")
        for label in 1...5 { sample("labels_total", "label=\"\(label)\"", Double(s.labels[label - 1])) }
        family("routes_total", "counter", "Verdicts by route, fallbacks included.")
        for route in ["strong", "weak"] { sample("routes_total", "route=\"\(route)\"", Double(s.routes[route] ?? 0)) }
        family("fallbacks_total", "counter", "Fallback verdicts, by reason.")
        for reason in ["timeout", "overloaded", "error"] { sample("fallbacks_total", "reason=\"\(reason)\"", Double(s.fallbacks[reason] ?? 0)) }
        family("out_of_distribution_total", "counter", "Verdicts whose query lay outside the head's training data (routed by ood_route).")
        sample("out_of_distribution_total", "", Double(s.outOfDistribution))
        family("verdict_cache_hits_total", "counter", "Queries answered from the verdict cache (not decoded).")
        sample("verdict_cache_hits_total", "", Double(verdictCache.hits))
        family("verdict_cache_misses_total", "counter", "Verdict cache lookups that found nothing (the query went to the engine).")
        sample("verdict_cache_misses_total", "", Double(verdictCache.misses))
        family("verdict_cache_entries", "gauge", "Distributions held by the verdict cache.")
        sample("verdict_cache_entries", "", Double(verdictCache.entries))
        family("verdict_cache_capacity", "gauge", "The most distributions the verdict cache holds (0: off).")
        sample("verdict_cache_capacity", "", Double(verdictCache.capacity))
        family("requests_in_flight", "gauge", "Requests being handled now (this one included).")
        sample("requests_in_flight", "", Double(s.inFlight))
        family("unauthorized_total", "counter", "Requests refused with 401 (no or wrong API key).")
        sample("unauthorized_total", "", Double(s.unauthorized))
        family("config_reloads_total", "counter", "Routing config reloads (SIGHUP), by result.")
        for result in ["ok", "error"] { sample("config_reloads_total", "result=\"\(result)\"", Double(s.reloads[result] ?? 0)) }
        family("head_reloads_total", "counter",
               "Head file re-reads (SIGHUP), by result: swapped (a new head in force), unchanged (same file), refused (the old head stays).")
        for result in ["swapped", "unchanged", "refused"] {
            sample("head_reloads_total", "result=\"\(result)\"", Double(s.headReloads[result] ?? 0))
        }
        family("recent_verdicts", "gauge", "Scored verdicts in the drift window (the last \(RecentVerdicts.capacity)).")
        sample("recent_verdicts", "", Double(s.recent.count))
        family("recent_strong_share", "gauge", "Share of the drift window's verdicts routed strong.")
        sample("recent_strong_share", "", s.recent.strongShare)
        family("recent_out_of_distribution_share", "gauge", "Share of the drift window's verdicts out of the head's training data.")
        sample("recent_out_of_distribution_share", "", s.recent.outOfDistributionShare)
        if let server {
            family("open_connections", "gauge", "Client connections open now.")
            sample("open_connections", "", Double(server.openConnections))
            family("max_connections", "gauge", "The connection cap in force.")
            sample("max_connections", "", Double(server.maxConnections))
            family("connections_accepted_total", "counter", "Client connections accepted.")
            sample("connections_accepted_total", "", Double(server.acceptedConnections))
            family("connections_evicted_total", "counter", "Connections without a request in flight closed at the cap to admit a new one.")
            sample("connections_evicted_total", "", Double(server.evictedConnections))
            family("connections_refused_total", "counter", "Connections answered 503 at the cap (every open one had a request in flight).")
            sample("connections_refused_total", "", Double(server.refusedConnections))
            family("request_timeouts_total", "counter", "Requests cut by the header or body deadline (408).")
            sample("request_timeouts_total", "", Double(server.timedOutRequests))
        }
        family("model_ready", "gauge", "1 when the scoring model is loaded.")
        sample("model_ready", "", ready ? 1 : 0)
        let e = engine?.statistics.snapshot ?? EngineStatistics.Snapshot()
        family("queue_depth", "gauge", "Queries waiting for a free sequence.")
        sample("queue_depth", "", Double(engine?.queueDepth ?? 0))
        family("batch_queries", "histogram", "Queries carried by each decode call.")
        for (i, bound) in EngineStatistics.batchBuckets.enumerated() {
            sample("batch_queries_bucket", "le=\"\(bound)\"", Double(e.queriesPerDecode[i]))
        }
        sample("batch_queries_bucket", "le=\"+Inf\"", Double(e.decodes))
        sample("batch_queries_sum", "", Double(e.queriesPerDecodeSum))
        sample("batch_queries_count", "", Double(e.decodes))
        family("batched_decodes_total", "counter", "Decode calls that carried more than one query.")
        sample("batched_decodes_total", "", Double(e.batchedDecodes))
        family("tokens_processed_total", "counter", "Tokens decoded for queries (the shared prefix excluded).")
        sample("tokens_processed_total", "", Double(e.tokens))
        family("decode_seconds_total", "counter", "Time spent in decode calls.")
        sample("decode_seconds_total", "", e.decodeSeconds)
        family("queries_abandoned_total", "counter", "Queries dropped because their deadline passed first.")
        sample("queries_abandoned_total", "", Double(e.abandoned))
        return out
    }
}
