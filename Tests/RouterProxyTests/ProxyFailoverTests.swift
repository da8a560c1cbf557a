import Foundation
import Locking
import RouterProxy
import RouterCore
import TestSupport
import Testing

/// Uptime rerouting against real llama-server upstreams: a killed upstream mid-run, a stopped
/// one timing out, both down, the breaker opening and closing, more tiers; and, with a local
/// stub, 429 with Retry-After and malformed answers.
@Suite("Proxy failover (real llama-server upstreams)", .serialized, .timeLimit(.minutes(10)))
struct ProxyFailoverTests {
    private func errorType(_ response: TestHTTPClient.Response) -> String? {
        ((try? response.json())?["error"] as? [String: Any])?["type"] as? String
    }

    @Test func killedUpstreamMidRunThenBreakerOpensAndCloses() throws {
        let (strong, _) = try ProxyFixture.upstreams()
        let victim = try LlamaServerProcess(alias: "weak")
        defer { victim.kill9() }
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(
            strong: strong.upstreamJSON, weak: victim.upstreamJSON,
            extra: #""breaker": {"failures": 3, "cooldown_ms": 2000}"#))
        let total = 12
        let answered = Lock<[(status: Int, upstream: String?, failover: String?, content: String?)]>([])
        let next = Lock(0)
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            guard let client = try? proxy.client() else { return }
            while true {
                let index = next.withLock { value -> Int in defer { value += 1 }; return value }
                guard index < total else { return }
                if index == 5 { victim.kill9() }   // while other requests are in flight on it
                let response = try? client.chat("Question \(index): what is \(index) plus \(index)?", model: "router-1.0")
                let content = ((try? response?.json())?["choices"] as? [[String: Any]])?.first.flatMap { ($0["message"] as? [String: Any])?["content"] as? String }
                answered.withLock { $0.append((response?.status ?? 0, response?.headers["x-router-upstream"], response?.headers["x-router-failover"], content)) }
            }
        }
        let results = answered.withLock { $0 }
        #expect(results.count == total)
        #expect(results.allSatisfy { $0.status == 200 && $0.content != nil }, "\(results.map { "\($0.status) \($0.upstream ?? "-")" })")
        #expect(results.contains { $0.upstream == "strong" && $0.failover == "1" })
        #expect(results.allSatisfy { $0.upstream == "weak" || $0.failover == "1" })
        let metrics = try proxy.metrics()
        let okWeak = ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="weak",status="200""#, in: metrics)
        let okStrong = ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="strong",status="200""#, in: metrics)
        #expect(okWeak + okStrong == Double(total), "every request answered by exactly one upstream")
        #expect(try proxy.breaker("weak")["state"] as? String == "open")
        #expect(ProxyFixture.metric("causal_router_upstream_breaker_state", #"upstream="weak""#, in: metrics) == 1)
        #expect(ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="weak",status="circuit_open""#, in: metrics) >= 1)

        // The upstream comes back on its port: after the cool-down one probe closes the circuit.
        try victim.start()
        let client = try proxy.client()
        var upstream: String?
        let deadline = ContinuousClock.now + .seconds(60)
        while upstream != "weak" && ContinuousClock.now < deadline {
            let response = try client.chat("What is 3+3?", model: "router-1.0")
            #expect(response.status == 200)
            upstream = response.headers["x-router-upstream"]
            if upstream != "weak" { Thread.sleep(forTimeInterval: 0.5) }
        }
        #expect(upstream == "weak")
        let breaker = try proxy.breaker("weak")
        #expect(breaker["state"] as? String == "closed" && (breaker["opened"] as? Int ?? 0) >= 1)
    }

    @Test func stoppedUpstreamTimesOutAndFailsOver() throws {
        let (strong, _) = try ProxyFixture.upstreams()
        let weak = try LlamaServerProcess(alias: "weak")   // its own: other suites use the shared one meanwhile
        defer { weak.kill9() }
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: weak.upstreamJSON,
                                                                extra: #""timeouts": {"first_byte_ms": 1500}"#))
        let client = try proxy.client()
        #expect(try client.chat("Warm up.", model: "router-1.0").headers["x-router-upstream"] == "weak")
        weak.pause()
        defer { weak.resume() }
        let sent = ContinuousClock.now
        let response = try client.chat("What is 2+2?", model: "router-1.0", stream: true)
        let waited = response.headAt - sent
        #expect(response.status == 200)
        #expect(response.headers["x-router-route"] == "weak" && response.headers["x-router-upstream"] == "strong")
        #expect(response.headers["x-router-failover"] == "1")
        #expect(response.events.last == "[DONE]")
        #expect(waited >= .milliseconds(1_400), "waited \(waited) for the stopped upstream")
        #expect(waited < .milliseconds(1_500 + 8_000), "the failover answer began \(waited) after the request")
        let metrics = try proxy.metrics()
        #expect(ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="weak",status="first_byte_timeout""#, in: metrics) == 1)
        #expect(ProxyFixture.metric("causal_router_upstream_failovers_total", #"from="weak",to="strong""#, in: metrics) == 1)
    }

    @Test func bothDownIs502AtOnce() throws {
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: try ProxyFixture.deadUpstream(model: "strong"),
                                                                weak: try ProxyFixture.deadUpstream(model: "weak")))
        let client = try proxy.client()
        for stream in [false, true] {
            let start = ContinuousClock.now
            let response = try client.chat("What is 2+2?", stream: stream)
            let took = ContinuousClock.now - start
            #expect(response.status == 502)
            #expect(errorType(response) == "upstream_unavailable")
            let message = ((try response.json()["error"] as? [String: Any])?["message"] as? String) ?? ""
            #expect(message.contains("strong") && message.contains("weak"), "\(message)")
            #expect(took < .seconds(1), "502 after \(took)")
        }
    }

    /// total_ms bounds the whole answer, failover included (found writing Benchmarks/proxy_soak.py's
    /// deadline check): with both upstreams hanging, the failover attempt gets only what is left,
    /// so the 502 comes at total_ms, not at twice first_byte_ms.
    @Test func failoverGetsOnlyWhatIsLeftOfTotalMs() throws {
        let strong = try LlamaServerProcess(alias: "strong")   // their own: both are stopped below
        defer { strong.kill9() }
        let weak = try LlamaServerProcess(alias: "weak")
        defer { weak.kill9() }
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: weak.upstreamJSON,
                                                                extra: #""timeouts": {"first_byte_ms": 2500, "total_ms": 3000}"#))
        let client = try proxy.client()
        // The same query once with both up: its verdict is cached, so scoring adds nothing below.
        #expect(try client.chat("What is 2+2?", model: "router-1.0").headers["x-router-upstream"] == "weak")
        strong.pause()
        weak.pause()
        defer { strong.resume(); weak.resume() }
        let start = ContinuousClock.now
        let response = try client.chat("What is 2+2?", model: "router-1.0")
        let took = ContinuousClock.now - start
        #expect(response.status == 502)
        #expect(errorType(response) == "upstream_unavailable")
        #expect(took >= .milliseconds(2_900), "502 after \(took)")
        #expect(took < .milliseconds(4_200), "502 after \(took): the failover attempt ran past total_ms")
    }

    /// SIGHUP's upstream half: new requests go to the reloaded upstreams; a tier that did not
    /// change keeps its breaker (here: open after failures), a changed one starts closed.
    @Test func reloadedUpstreamsTakeOverAndUnchangedTiersKeepTheirBreaker() throws {
        let (strong, weak) = try ProxyFixture.upstreams()
        let dead = try ProxyFixture.deadUpstream(model: "gone")
        let breakerPolicy = #""breaker": {"failures": 1, "cooldown_ms": 60000}"#
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: dead, weak: dead, extra: breakerPolicy))
        let client = try proxy.client()
        #expect(try client.chat("What is 2+2?").status == 502)
        #expect(try proxy.breaker("strong")["state"] as? String == "open" && proxy.breaker("weak")["state"] as? String == "open")

        let reloaded = try UpstreamConfig.parse(Data(ProxyFixture.twoTier(strong: dead, weak: weak.upstreamJSON,
                                                                          extra: breakerPolicy).utf8), path: "reloaded")
        proxy.proxy.reload(upstreams: reloaded)
        #expect(proxy.proxy.upstreams == reloaded)
        #expect(try proxy.breaker("strong")["state"] as? String == "open", "unchanged tier: same breaker")
        #expect(try proxy.breaker("weak")["state"] as? String == "closed", "changed tier: a new breaker")
        let models = try client.request("GET", "/v1/models").json()["data"] as? [[String: Any]] ?? []
        #expect(models.compactMap { $0["id"] as? String }.contains("weak"))
        let answer = try client.chat("What is 2+2?", model: "weak")
        #expect(answer.status == 200 && answer.headers["x-router-upstream"] == "weak")

        proxy.proxy.reload(upstreams: try UpstreamConfig.parse(Data(ProxyFixture.twoTier(strong: strong.upstreamJSON,
                                                                                         weak: weak.upstreamJSON).utf8), path: "again"))
        #expect(try proxy.breaker("strong")["state"] as? String == "closed", "another policy: new breakers")
        #expect(try client.chat("What is 2+2?", model: "strong").headers["x-router-upstream"] == "strong")
    }

    /// A forwarded completion counts in causal_router_requests_in_flight for as long as it is
    /// answered (the upstream here takes about two seconds to send its body).
    @Test func aProxiedRequestIsInFlightWhileItIsAnswered() throws {
        let (strong, _) = try ProxyFixture.upstreams()
        let stub = try StubUpstream(answer: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n",
                                    drip: (chunk: " ", repeats: 20, intervalMs: 100))
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: stub.upstreamJSON))
        func inFlight() throws -> Double { ProxyFixture.metric("causal_router_requests_in_flight", in: try proxy.metrics()) }
        #expect(try inFlight() == 1, "the /metrics request itself")
        let done = DispatchSemaphore(value: 0)
        let status = Lock(0)
        Thread {
            let response = try? proxy.client().chat("What is 2+2?", model: "stub")
            status.withLock { $0 = response?.status ?? -1 }
            done.signal()
        }.start()
        var seen = 0.0
        let until = ContinuousClock.now + .seconds(10)
        while seen < 2 && status.withLock({ $0 }) == 0 && ContinuousClock.now < until {
            seen = max(seen, try inFlight())
            Thread.sleep(forTimeInterval: 0.05)
        }
        try #require(done.wait(timeout: .now() + 60) == .success, "the forwarded request was not answered within 60 s")
        #expect(seen == 2, "the forwarded request and /metrics")
        #expect(status.withLock { $0 } == 200)
        #expect(try inFlight() == 1, "back down once answered")
    }

    /// Three tiers: a query routed to the smallest (down) is answered by the next larger. The
    /// bounds are set from the query's own strong win rate (asked first; scoring is
    /// batch-invariant and the repeat comes from the verdict cache), so it always falls in the
    /// smallest tier, whatever the head makes of it.
    @Test func moreTiersFailOverToTheNextLarger() throws {
        let (strong, weak) = try ProxyFixture.upstreams()
        let question = "What is 2+2?"
        let scout = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: weak.upstreamJSON))
        let verdict = try scout.client().request("POST", "/v1/route", body: #"{"messages": [{"role": "user", "content": "\#(question)"}], "timeout_ms": 120000}"#).json()
        #expect(verdict["fallback"] as? Bool == false)
        let rate = try #require(verdict["strong_win_rate"] as? Double)
        try #require(rate < 1, "a strong win rate of 1 leaves no room for a bound above it")
        let smallBound = rate + (1 - rate) / 3, mediumBound = rate + 2 * (1 - rate) / 3
        let proxy = try ProxyFixture.proxy("""
            {"tiers": [{"name": "small", "upstream": \(try ProxyFixture.deadUpstream(model: "tiny")), "max_strong_win_rate": \(smallBound)},
                       {"name": "medium", "upstream": \(weak.upstreamJSON), "max_strong_win_rate": \(mediumBound)},
                       {"name": "large", "upstream": \(strong.upstreamJSON)}]}
            """)
        let response = try proxy.client().chat(question)
        #expect(response.status == 200, "\(response.text)")
        #expect(response.headers["x-router-route"] == "small", "rate \(rate), small below \(smallBound)")
        #expect(response.headers["x-router-upstream"] == "medium")
        #expect(response.headers["x-router-failover"] == "1")
        #expect(abs((Double(response.headers["x-router-strong-win-rate"] ?? "") ?? -1) - rate) < 1e-4)
        let metrics = try proxy.metrics()
        #expect(ProxyFixture.metric("causal_router_upstream_failovers_total", #"from="small",to="medium""#, in: metrics) == 1)
        #expect(ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="medium",status="200""#, in: metrics) == 1)
        #expect(ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="large",status="200""#, in: metrics) == 0)
    }

    @Test func retryAfterIsHonoured() throws {
        let (strong, _) = try ProxyFixture.upstreams()
        let stub = try StubUpstream(answer: "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nContent-Type: application/json\r\n"
                                        + "Content-Length: 2\r\nConnection: close\r\n\r\n{}")
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: stub.upstreamJSON))
        let client = try proxy.client()
        for _ in 0..<2 {
            let response = try client.chat("What is 2+2?", model: "router-1.0")
            #expect(response.status == 200 && response.headers["x-router-upstream"] == "strong" && response.headers["x-router-failover"] == "1")
        }
        #expect(stub.requestCount == 1, "held back for Retry-After")
        #expect((try proxy.breaker("weak")["retry_in_ms"] as? Int ?? 0) > 20_000)
        let metrics = try proxy.metrics()
        #expect(ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="weak",status="429""#, in: metrics) == 1)
        #expect(ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="weak",status="circuit_open""#, in: metrics) == 1)
    }

    @Test(arguments: ["garbage\r\n\r\n", "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"cut"])
    func malformedOrFailingUpstreamFailsOver(answer: String) throws {
        let (strong, _) = try ProxyFixture.upstreams()
        let stub = try StubUpstream(answer: answer)
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: stub.upstreamJSON))
        let response = try proxy.client().chat("What is 2+2?", model: "router-1.0")
        #expect(response.status == 200 && response.headers["x-router-upstream"] == "strong" && response.headers["x-router-failover"] == "1")
        #expect(stub.requestCount == 1)
    }

    @Test func aStreamBrokenAfterBytesReachedTheClientIsNotRetried() throws {
        let (strong, _) = try ProxyFixture.upstreams()
        let event = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"
        let stub = try StubUpstream(answer: "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        + String(event.utf8.count, radix: 16) + "\r\n" + event + "\r\n")   // then the connection drops
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: stub.upstreamJSON))
        let response = try proxy.client().chat("What is 2+2?", model: "router-1.0", stream: true)
        #expect(response.status == 200 && response.headers["x-router-upstream"] == "weak" && response.headers["x-router-failover"] == "0")
        let events = response.events
        #expect(events.first?.contains("Hel") == true)
        #expect(events.count == 2 && events.last?.contains("\"upstream_error\"") == true, "\(events)")
        #expect(!events.contains("[DONE]"))
        let metrics = try proxy.metrics()
        #expect(ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="strong",status="200""#, in: metrics) == 0,
                "nothing retried once bytes reached the client")
        #expect(ProxyFixture.metric("causal_router_upstream_failovers_total", #"from="weak",to="strong""#, in: metrics) == 0)
    }

    @Test func aClientHangingUpMidStreamStopsTheUpstreamExchange() throws {
        let event = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick\"}}]}\n\n"
        let chunk = String(event.utf8.count, radix: 16) + "\r\n" + event + "\r\n"
        let stub = try StubUpstream(answer: "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk,
                                    drip: (chunk, 400, 25))   // 10 s of events unless cut
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: try ProxyFixture.deadUpstream(model: "strong"),
                                                                weak: stub.upstreamJSON))
        let client = try proxy.client()
        #expect(client.send("POST", "/v1/chat/completions",
                            body: #"{"model": "stub", "stream": true, "messages": [{"role": "user", "content": "Tick."}]}"#).sent)
        #expect(try client.readUntil("tick"))
        client.hangUp()
        let deadline = ContinuousClock.now + .seconds(8)
        while !stub.dripState.cutByPeer && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let state = stub.dripState
        #expect(state.cutByPeer && state.sent < 300, "the proxy kept reading the upstream: \(state)")
        let metrics = try proxy.metrics()
        #expect(ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="weak",status="client_gone""#, in: metrics) == 1)
        #expect(try proxy.breaker("weak")["consecutive_failures"] as? Int == 0)
    }

    @Test func namedModelIsNotRerouted() throws {
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: try ProxyFixture.upstreams().strong.upstreamJSON,
                                                                weak: try ProxyFixture.deadUpstream(model: "weak")))
        let response = try proxy.client().chat("Hi", model: "weak")
        #expect(response.status == 502 && errorType(response) == "upstream_unavailable")
    }
}
