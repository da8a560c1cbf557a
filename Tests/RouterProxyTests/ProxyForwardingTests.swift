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
        if let first = response.chunks.first?.at, let last = response.chunks.last?.at {
            #expect(last > first)
        }
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
