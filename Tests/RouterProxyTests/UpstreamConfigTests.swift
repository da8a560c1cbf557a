import Foundation
import RouterCore
import Testing
@testable import RouterProxy

@Suite("Upstream config, breaker and event scanner")
struct UpstreamConfigTests {
    private func parse(_ text: String, environment: [String: String] = [:]) throws(UpstreamConfigError) -> UpstreamConfig {
        try UpstreamConfig.parse(Data(text.utf8), path: "u.json", environment: environment)
    }

    private let up = #"{"base_url": "http://127.0.0.1:1/v1/", "model": "m"}"#

    @Test func twoTierForm() throws {
        let config = try parse(#"{"strong": {"base_url": "http://127.0.0.1:1/v1", "model": "big", "api_key_env": "K"}, "#
                               + #""weak": {"base_url": "http://127.0.0.1:2/v1", "model": "small"}, "timeouts": {"first_byte_ms": 1500}, "#
                               + #""breaker": {"failures": 5}}"#, environment: ["K": "sk-secret"])
        #expect(config.isTwoTier)
        #expect(config.tiers.map(\.name) == ["weak", "strong"])
        #expect(config.tiers[1].upstream.model == "big")
        #expect(config.tiers[1].upstream.apiKeyVariable == "K")
        #expect(config.timeouts.firstByteMs == 1500 && config.timeouts.connectMs == UpstreamTimeouts().connectMs)
        #expect(config.breaker.failureThreshold == 5 && config.breaker.cooldownMs == 10_000)
        // The key is never part of a description.
        #expect(!"\(config)".contains("sk-secret") && !String(reflecting: config).contains("sk-secret"))
        #expect(config.tiers[1].upstream.apiKey?.value == "sk-secret")
        #expect(!config.tiers[1].upstream.description.contains("sk-secret"))
        #expect(config.failoverIndex(after: 0) == 1 && config.failoverIndex(after: 1) == 0)
    }

    @Test func tiersForm() throws {
        let config = try parse(#"{"tiers": [{"name": "small", "upstream": \#(up), "max_strong_win_rate": 0.3}, "#
                               + #"{"name": "medium", "upstream": \#(up), "max_strong_win_rate": 0.7}, {"name": "large", "upstream": \#(up)}]}"#)
        #expect(!config.isTwoTier)
        #expect(config.tiers.map(\.name) == ["small", "medium", "large"])
        #expect(config.tiers[0].upstream.baseURL == "http://127.0.0.1:1/v1")
        #expect(config.tierChoice == .byWinRate(upperBounds: [0.3, 0.7, nil]))
        let decision = try RoutingConfig(threshold: 0.5, fallbackRoute: .strong)
        /// The tier for a scored query of strong win rate `rate` (ood: out of distribution, under
        /// `oodRoute`), or a fallback when `rate` is nil.
        func tier(_ rate: Double?, ood: Bool = false, oodRoute: OutOfDistributionRoute = .strong, fallback: Route = .strong) -> String {
            var rules = decision
            rules.oodRoute = oodRoute
            rules.fallbackRoute = fallback
            let verdict: Verdict
            if let rate {
                var scored = ScoredQuery(distribution: LabelDistribution(probabilities: [rate, 0, 0, 1 - rate, 0]), truncated: false, promptTokens: 1)
                scored.outOfDistribution = ood
                verdict = rules.verdict(for: scored, template: "t", latencyMs: 1)
            } else {
                verdict = rules.fallbackVerdict(.timeout, template: "t", head: nil, latencyMs: 1)
            }
            return config.tiers[config.tierChoice.tierIndex(for: verdict)].name
        }
        #expect(tier(0.1) == "small" && tier(0.3) == "medium" && tier(0.69) == "medium" && tier(0.7) == "large" && tier(1) == "large")
        #expect(tier(nil, fallback: .strong) == "large" && tier(nil, fallback: .weak) == "small")
        // ood_route holds with tiers too: an out-of-distribution query goes where it says.
        #expect(tier(0.1, ood: true, oodRoute: .strong) == "large", "ood_route strong: the largest tier, whatever the win rate")
        #expect(tier(0.9, ood: true, oodRoute: .weak) == "small", "ood_route weak: the smallest tier")
        #expect(tier(0.5, ood: true, oodRoute: .model) == "medium", "ood_route model: the win rate decides")
        #expect(config.failoverIndex(after: 0) == 1 && config.failoverIndex(after: 1) == 2 && config.failoverIndex(after: 2) == 1)
    }

    @Test(arguments: [
        (#"{"strong": {"base_url": "http://a/v1", "model": "m"}}"#, "give both"),
        (#"{"strong": 1, "weak": 2}"#, "must be an object"),
        (#"{"strong": {"base_url": "ftp://a", "model": "m"}, "weak": {"base_url": "http://a", "model": "m"}}"#, "base_url"),
        (#"{"strong": {"base_url": "http://a", "model": "router"}, "weak": {"base_url": "http://a", "model": "m"}}"#, "router"),
        (#"{"strong": {"base_url": "http://a", "model": "m", "key": "x"}, "weak": {"base_url": "http://a", "model": "m"}}"#, "unknown key \"key\""),
        (#"{"strong": {"base_url": "http://a", "model": "m", "api_key_env": "NOPE_UNSET"}, "weak": {"base_url": "http://a", "model": "m"}}"#, "NOPE_UNSET is not set"),
        (#"{"strong": {"base_url": "http://a", "model": "m"}, "weak": {"base_url": "http://a", "model": "m"}, "extra": 1}"#, "unknown key \"extra\""),
        (#"{"strong": {"base_url": "http://a", "model": "m"}, "weak": {"base_url": "http://a", "model": "m"}, "timeouts": {"connect_ms": 0}}"#, "connect_ms"),
        (#"{"tiers": [{"name": "a", "upstream": {"base_url": "http://a", "model": "m"}}]}"#, "at least two"),
        (#"{"tiers": [{"name": "a", "upstream": {"base_url": "http://a", "model": "m"}}, {"name": "b", "upstream": {"base_url": "http://a", "model": "m"}}]}"#, "max_strong_win_rate is missing"),
        (#"{"tiers": [{"name": "a", "upstream": {"base_url": "http://a", "model": "m"}, "max_strong_win_rate": 0.5}, {"name": "b", "upstream": {"base_url": "http://a", "model": "m"}, "max_strong_win_rate": 0.4}, {"name": "c", "upstream": {"base_url": "http://a", "model": "m"}}]}"#, "above the previous"),
        ("[1]", "not a JSON object"),
    ])
    func refusedFiles(text: String, reason: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            "\(error)".contains(reason) && "\(error)".hasPrefix("upstreams u.json: ")
        }
    }

    @Test func decisionConfigMayHoldUpstreams() throws {
        let text = #"{"threshold": 0.5, "strong_model": "a", "strong": {"base_url": "http://a", "model": "m"}, "weak": {"base_url": "http://b", "model": "n"}}"#
        let routing = try RoutingConfig.parse(Data(text.utf8), path: "router.json")
        #expect(routing.threshold == 0.5)
        let upstreams = try UpstreamConfig.parse(Data(text.utf8), path: "router.json", otherKeys: RoutingConfig.keys)
        #expect(upstreams.tiers.map(\.upstream.model) == ["n", "m"])
    }

    @Test func breakerOpensProbesAndCloses() {
        let breaker = CircuitBreaker(policy: BreakerPolicy(failureThreshold: 3, cooldownMs: 1_000, maxCooldownMs: 3_000))
        let t0 = ContinuousClock.now
        for _ in 0..<2 { #expect(breaker.admit(now: t0)); breaker.recordFailure(now: t0) }
        #expect(breaker.snapshot(now: t0).phase == .closed)
        #expect(breaker.admit(now: t0))
        breaker.recordFailure(now: t0)
        #expect(breaker.snapshot(now: t0).phase == .open)
        #expect(!breaker.admit(now: t0 + .milliseconds(999)))
        // One probe after the cool-down; a second caller is held while it runs.
        #expect(breaker.admit(now: t0 + .milliseconds(1_000)))
        #expect(!breaker.admit(now: t0 + .milliseconds(1_001)))
        #expect(breaker.snapshot(now: t0).phase == .halfOpen)
        // The probe fails: open again for twice as long.
        breaker.recordFailure(now: t0 + .milliseconds(1_000))
        #expect(breaker.snapshot(now: t0).cooldownMs == 2_000)
        #expect(!breaker.admit(now: t0 + .milliseconds(2_999)))
        #expect(breaker.admit(now: t0 + .milliseconds(3_000)))
        breaker.recordFailure(now: t0 + .milliseconds(3_000))
        #expect(breaker.snapshot(now: t0).cooldownMs == 3_000)   // capped
        #expect(breaker.admit(now: t0 + .milliseconds(6_000)))
        breaker.recordSuccess()
        let closed = breaker.snapshot(now: t0 + .milliseconds(6_000))
        #expect(closed.phase == .closed && closed.consecutiveFailures == 0 && closed.cooldownMs == 1_000 && closed.opened == 3)
    }

    @Test func retryAfterHoldsTheUpstream() {
        let breaker = CircuitBreaker(policy: BreakerPolicy())
        let t0 = ContinuousClock.now
        breaker.recordFailure(retryAfterSeconds: 2, now: t0)
        #expect(breaker.snapshot(now: t0).phase == .closed)
        #expect(!breaker.admit(now: t0 + .milliseconds(1_999)))
        #expect(breaker.snapshot(now: t0).retryInMs == 2_000)
        #expect(breaker.admit(now: t0 + .milliseconds(2_000)))
    }

    @Test func eventScannerFindsDoneAndUsageAcrossSplits() {
        var scanner = ServerSentEventScanner()
        let stream = "data: {\"choices\":[]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}\r\n\r\ndata: [DONE]\n\n"
        for byte in Array(stream.utf8) { scanner.feed([byte]) }
        #expect(scanner.sawDone)
        #expect(scanner.usage == TokenUsage(json: Array(#"{"usage":{"prompt_tokens":7,"completion_tokens":3}}"#.utf8)))
        var partial = ServerSentEventScanner()
        partial.feed(Array("data: {\"a\":1}\n\nda".utf8))
        #expect(!partial.sawDone && partial.sawEvent)
    }
}

@Suite("Proxy metrics text")
struct ProxyMetricsTests {
    @Test func familiesAndCost() {
        let metrics = ProxyMetrics(priceUnit: "request")
        metrics.recordRequest(path: "/v1/chat/completions", status: 200)
        metrics.recordUpstream("weak", outcome: "200", seconds: 0.02)
        metrics.recordUpstream("strong", outcome: "refused", seconds: 0.001)
        metrics.recordFailover(from: "strong", to: "weak")
        metrics.recordUsage("weak", promptTokens: 12, completionTokens: 5)
        metrics.recordCost(actual: 0.5, allStrong: 2)
        let breaker = CircuitBreaker(policy: BreakerPolicy())
        let text = metrics.render(breakers: [("weak", breaker.snapshot())])
        for line in [#"causal_router_proxy_requests_total{path="/v1/chat/completions",status="200"} 1"#,
                     #"causal_router_upstream_requests_total{upstream="strong",status="refused"} 1"#,
                     #"causal_router_upstream_failovers_total{from="strong",to="weak"} 1"#,
                     #"causal_router_upstream_breaker_state{upstream="weak"} 0"#,
                     #"causal_router_upstream_latency_seconds_bucket{upstream="weak",le="0.025"} 1"#,
                     #"causal_router_upstream_prompt_tokens_total{upstream="weak"} 12"#,
                     #"causal_router_upstream_completion_tokens_total{upstream="weak"} 5"#,
                     #"causal_router_proxy_cost_saved_total{unit="request"} 1.5"#] {
            #expect(text.contains(line + "\n"), "\(line)")
        }
        #expect(!ProxyMetrics(priceUnit: nil).render(breakers: []).contains("cost_saved"))
    }
}
