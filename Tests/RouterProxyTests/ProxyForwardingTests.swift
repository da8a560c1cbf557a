import Foundation
import TestSupport
import Testing

/// The proxy against two real llama-server upstreams and the real router: answers whole and
/// streamed, thresholds, named models, the model list, metrics and config.
@Suite("Proxy forwarding (real llama-server upstreams)", .serialized, .timeLimit(.minutes(10)))
struct ProxyForwardingTests {
    private func twoTierProxy(extra: String = "", environment: [String: String] = [:]) throws -> RunningProxy {
        let (strong, weak) = try ProxyFixture.upstreams()
        return try ProxyFixture.proxy(ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: weak.upstreamJSON, extra: extra),
                                      environment: environment)
    }

    private func content(_ response: TestHTTPClient.Response) throws -> String? {
        let choices = try response.json()["choices"] as? [[String: Any]]
        return (choices?.first?["message"] as? [String: Any])?["content"] as? String
    }

    @Test func routedWholeAnswer() throws {
        let proxy = try twoTierProxy()
        let response = try proxy.client().chat("What is 2+2?")
        #expect(response.status == 200, "\(response.text)")
        #expect(try content(response)?.isEmpty == false)
        let route = response.headers["x-router-route"]
        #expect(route == "strong" || route == "weak")
        #expect(response.headers["x-router-upstream"] == route)
        #expect(response.headers["x-router-failover"] == "0")
        #expect((1...5).contains(Int(response.headers["x-router-label"] ?? "") ?? 0))
        let rate = Double(response.headers["x-router-strong-win-rate"] ?? "") ?? -1
        #expect((0...1).contains(rate))
    }

    @Test func streamedAnswerIsRelayedAsItArrives() throws {
        let proxy = try twoTierProxy()
        let response = try proxy.client().chat("Count from one to ten.", model: "router-0.0", stream: true, maxTokens: 16)
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/event-stream") == true)
        #expect(response.headers["x-router-upstream"] == "strong")
        let events = response.events
        #expect(events.last == "[DONE]")
        #expect(events.filter { $0 == "[DONE]" }.count == 1)
        let deltas = events.dropLast().compactMap { event -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any],
                  let choice = (object["choices"] as? [[String: Any]])?.first else { return nil }
            return (choice["delta"] as? [String: Any])?["content"] as? String
        }
        #expect(deltas.joined().isEmpty == false)
        // Relayed piece by piece, not buffered into one write.
        #expect(response.chunks.count >= 3, "\(response.chunks.count) chunks")
        let first = try #require(response.chunks.first?.at), last = try #require(response.chunks.last?.at)
        #expect(last > first)
    }

    /// The proxy relays each event as it comes: the upstream (a recording stub) sends its first
    /// event and holds the rest back until the test has seen that event arrive at the client. A
    /// proxy that buffered the stream would deliver nothing until the stub gives up holding
    /// back (15 s), and the client's read times out first (10 s).
    @Test func aStreamedEventReachesTheClientBeforeTheUpstreamSendsTheNext() throws {
        func chunk(_ text: String) -> String { String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n" }
        func event(_ content: String) -> String { "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\(content)\"}}]}\n\n" }
        let stub = try StubUpstream(answer: "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        + chunk(event("first-piece")),
                                    heldBack: chunk(event("second-piece")) + chunk("data: [DONE]\n\n") + "0\r\n\r\n")
        defer { stub.release() }
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: try ProxyFixture.deadUpstream(model: "strong"),
                                                                weak: stub.upstreamJSON(model: "streamer")))
        let client = try TestHTTPClient(port: proxy.port, receiveTimeoutSeconds: 10)
        #expect(client.send("POST", "/v1/chat/completions",
                            body: #"{"model": "streamer", "stream": true, "messages": [{"role": "user", "content": "Two pieces."}]}"#).sent)
        #expect(try client.readUntil("first-piece"))
        #expect(!stub.hasSentHeldBack, "the first event reached the client only after the upstream had sent the rest")
        stub.release()
        #expect(try client.readUntil("[DONE]"))
        let raw = String(decoding: try client.readRaw(), as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 200 "), "\(raw)")
        #expect(raw.lowercased().contains("x-router-upstream: weak\r\n"))
        let firstAt = try #require(raw.range(of: "first-piece")), secondAt = try #require(raw.range(of: "second-piece"))
        #expect(firstAt.lowerBound < secondAt.lowerBound)
        #expect(stub.requestCount == 1)
    }

    /// What the proxy sends upstream, as a recording upstream received it: the tier's API key as
    /// a Bearer token (only to the tier that has one), and the request's body with `model`
    /// rewritten to the upstream's model ("router-<threshold>" and named models alike).
    @Test func theUpstreamReceivesItsKeyAndTheRewrittenModel() throws {
        let strong = try StubUpstream(completion: "from strong")
        let weak = try StubUpstream(completion: "from weak")
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(
            strong: strong.upstreamJSON(model: "big-upstream-model", apiKeyVariable: "PROXY_RECORDED_KEY"),
            weak: weak.upstreamJSON(model: "small-upstream-model")), environment: ["PROXY_RECORDED_KEY": "sk-upstream-only-2718"])
        let client = try proxy.client()
        let question = "What is the capital of France?"

        let toStrong = try client.chat(question, model: "router-0.0", maxTokens: 7)
        #expect(toStrong.status == 200 && toStrong.headers["x-router-upstream"] == "strong", "\(toStrong.text)")
        #expect(try content(toStrong) == "from strong")
        #expect(!toStrong.text.contains("sk-upstream-only") && !toStrong.headers.values.contains { $0.contains("sk-upstream-only") })
        try #require(strong.requestCount == 1)
        let atStrong = strong.requests[0]
        #expect(atStrong.method == "POST" && atStrong.path == "/v1/chat/completions")
        #expect(atStrong.headers["authorization"] == "Bearer sk-upstream-only-2718")
        let sentStrong = try atStrong.json()
        #expect(sentStrong["model"] as? String == "big-upstream-model", "router-0.0 rewritten: \(sentStrong)")
        #expect(sentStrong["max_tokens"] as? Int == 7 && sentStrong["stream"] as? Bool == false)
        #expect((sentStrong["messages"] as? [[String: Any]])?.first?["content"] as? String == question)

        let toWeak = try client.chat(question, model: "router-1.0")
        #expect(toWeak.status == 200 && toWeak.headers["x-router-upstream"] == "weak")
        #expect(try content(toWeak) == "from weak")
        try #require(weak.requestCount == 1)
        #expect(weak.requests[0].headers["authorization"] == nil, "no key configured for weak, none sent")
        #expect(try weak.requests[0].json()["model"] as? String == "small-upstream-model")

        // A legacy completion naming the strong upstream's model goes there as named, with the key.
        let completion = try client.request("POST", "/v1/completions", body: #"{"model": "big-upstream-model", "prompt": "Once upon a time", "max_tokens": 4}"#)
        #expect(completion.status == 200 && completion.headers["x-router-upstream"] == "strong")
        try #require(strong.requestCount == 2)
        let named = strong.requests[1]
        #expect(named.path == "/v1/completions" && named.headers["authorization"] == "Bearer sk-upstream-only-2718")
        let sentNamed = try named.json()
        #expect(sentNamed["model"] as? String == "big-upstream-model" && sentNamed["prompt"] as? String == "Once upon a time")
        #expect(weak.requestCount == 1, "nothing else reached weak")
    }

    @Test func thresholdInTheModelName() throws {
        let proxy = try twoTierProxy()
        let client = try proxy.client()
        for query in ["What is 2+2?", "Prove that there are infinitely many primes."] {
            let strong = try client.chat(query, model: "router-0.0")
            #expect(strong.status == 200 && strong.headers["x-router-route"] == "strong" && strong.headers["x-router-upstream"] == "strong")
            let weak = try client.chat(query, model: "router-1.0")
            #expect(weak.status == 200 && weak.headers["x-router-route"] == "weak" && weak.headers["x-router-upstream"] == "weak")
        }
        let bad = try client.chat("Hi", model: "router-1.5")
        #expect(bad.status == 400)
        #expect(((try bad.json()["error"] as? [String: Any])?["type"] as? String) == "invalid_request_error")
    }

    @Test func namedModelsCompletionsAndList() throws {
        let proxy = try twoTierProxy()
        let client = try proxy.client()
        let named = try client.chat("Say hello.", model: "weak")
        #expect(named.status == 200 && named.headers["x-router-upstream"] == "weak" && named.headers["x-router-label"] == "none")
        let unknown = try client.chat("Say hello.", model: "gpt-9")
        #expect(unknown.status == 404)
        #expect(((try unknown.json()["error"] as? [String: Any])?["type"] as? String) == "model_not_found")
        let completion = try client.request("POST", "/v1/completions", body: #"{"model": "router-1.0", "prompt": "Once upon a time", "max_tokens": 8}"#)
        #expect(completion.status == 200 && completion.headers["x-router-upstream"] == "weak", "\(completion.text)")
        let models = try client.request("GET", "/v1/models").json()
        let ids = (models["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(models["object"] as? String == "list" && ids == ["router", "weak", "strong"])
        #expect(try client.request("GET", "/v1/chat/completions").status == 405)
        // The service's own endpoints still answer behind the proxy.
        #expect(try client.request("POST", "/v1/route", body: #"{"query": "What is 2+2?"}"#).status == 200)
    }

    @Test func metricsConfigAndNoKeyShown() throws {
        // The strong upstream with a key (llama-server without --api-key ignores it).
        let (strong, weak) = try ProxyFixture.upstreams()
        let keyed = try ProxyFixture.proxy(ProxyFixture.twoTier(
            strong: "{\"base_url\": \"\(strong.baseURL)\", \"model\": \"strong\", \"api_key_env\": \"PROXY_TEST_KEY\"}",
            weak: weak.upstreamJSON), environment: ["PROXY_TEST_KEY": "sk-never-shown-4711"])
        let client = try keyed.client()
        let answer = try client.chat("What is the capital of France?", model: "router-0.0")
        #expect(answer.status == 200)
        #expect(!answer.text.contains("sk-never-shown-4711"))
        let config = try client.request("GET", "/v1/config")
        #expect(!config.text.contains("sk-never-shown-4711") && config.text.contains("PROXY_TEST_KEY"))
        #expect(try keyed.breaker("strong")["state"] as? String == "closed")
        let metrics = try keyed.metrics()
        #expect(!metrics.contains("sk-never-shown-4711"))
        #expect(ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="strong",status="200""#, in: metrics) >= 1)
        #expect(ProxyFixture.metric("causal_router_upstream_prompt_tokens_total", #"upstream="strong""#, in: metrics) > 0)
        #expect(ProxyFixture.metric("causal_router_upstream_completion_tokens_total", #"upstream="strong""#, in: metrics) > 0)
        #expect(ProxyFixture.metric("causal_router_upstream_latency_seconds_count", #"upstream="strong""#, in: metrics) >= 1)
        #expect(ProxyFixture.metric("causal_router_proxy_requests_total", #"path="/v1/chat/completions",status="200""#, in: metrics) >= 1)
        #expect(metrics.contains(#"causal_router_upstream_breaker_state{upstream="weak"} 0"#))
    }
}
