import Foundation
import RouterCore
import RouterServer
import TestSupport
import Testing

/// Session affinity against two real llama-server upstreams and the real router: a conversation
/// stays on its tier, moves up on a hard turn, a tool loop stays where the call was issued, a
/// failover moves the session, an expired session is routed afresh; named sessions in the proxy
/// and in `/v1/route`; /metrics counts each decision. `router-0.0` (always strong) and
/// `router-1.0` (always weak) make the fresh verdicts known in advance. A real llama-server does
/// not call tools with SmolLM2's chat template, so the tier that calls tools is a stub.
@Suite("Session affinity (real llama-server upstreams)", .serialized, .timeLimit(.minutes(10)))
struct ProxySessionTests {
    private func twoTierProxy(service: RouterService? = nil) throws -> RunningProxy {
        let (strong, weak) = try ProxyFixture.upstreams()
        return try ProxyFixture.proxy(ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: weak.upstreamJSON), service: service)
    }

    /// A conversation as the client keeps it: each turn sends every message so far and appends the answer.
    final class Conversation {
        var messages: [[String: Any]] = []
        let proxy: RunningProxy
        var headers: [String: String] = [:]

        init(_ proxy: RunningProxy, system: String? = nil) {
            self.proxy = proxy
            if let system { messages.append(["role": "system", "content": system]) }
        }

        /// Sends the user turn `content` (or, with nil, the messages as they are), appends the answer.
        @discardableResult
        func turn(_ content: String?, model: String, stream: Bool = false, extra: [String: Any] = [:]) throws -> TestHTTPClient.Response {
            if let content { messages.append(["role": "user", "content": content]) }
            var body: [String: Any] = ["model": model, "messages": messages, "max_tokens": 8, "stream": stream]
            body.merge(extra) { $1 }
            let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            let response = try proxy.client().request("POST", "/v1/chat/completions", body: text, headers: headers)
            guard response.status == 200 else { return response }
            if stream {
                let deltas = response.events.compactMap { event -> String? in
                    guard let object = try? JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any],
                          let choice = (object["choices"] as? [[String: Any]])?.first else { return nil }
                    return (choice["delta"] as? [String: Any])?["content"] as? String
                }
                messages.append(["role": "assistant", "content": deltas.joined()])
            } else {
                let choice = (try response.json()["choices"] as? [[String: Any]])?.first
                // As the openai client sends an answer back: its keys, and a few more.
                var message = choice?["message"] as? [String: Any] ?? [:]
                message["refusal"] = NSNull()
                message["annotations"] = [Any]()
                messages.append(message)
            }
            return response
        }
    }

    private func expect(_ response: TestHTTPClient.Response, route: String, upstream: String? = nil, session: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == 200, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.headers["x-router-route"] == route, sourceLocation: sourceLocation)
        #expect(response.headers["x-router-upstream"] == upstream ?? route, sourceLocation: sourceLocation)
        #expect(response.headers["x-router-session"] == session, sourceLocation: sourceLocation)
    }

    @Test func aThreeTurnConversationStaysOnItsTier() throws {
        let proxy = try twoTierProxy()
        let before = try proxy.metrics()
        let conversation = Conversation(proxy, system: "You are terse. \(UUID())")
        expect(try conversation.turn("Explain how a B-tree stays balanced.", model: "router-0.0", stream: true), route: "strong", session: "new")
        expect(try conversation.turn("Shorter, please.", model: "router-1.0", stream: true), route: "strong", session: "pinned")
        expect(try conversation.turn("Thanks.", model: "router-1.0", stream: true), route: "strong", session: "pinned")
        let after = try proxy.metrics()
        func delta(_ decision: String) -> Double {
            ProxyFixture.metric("causal_router_session_decisions_total", "decision=\"\(decision)\"", in: after)
                - ProxyFixture.metric("causal_router_session_decisions_total", "decision=\"\(decision)\"", in: before)
        }
        #expect(delta("new") >= 1 && delta("pinned") >= 2)
        #expect(ProxyFixture.metric("causal_router_sessions", in: after) >= 1)
    }

    @Test func aTrivialFollowUpAfterAStrongFirstTurnStaysStrong() throws {
        let proxy = try twoTierProxy()
        let conversation = Conversation(proxy)
        expect(try conversation.turn("Derive the Black-Scholes equation. \(UUID())", model: "router-0.0"), route: "strong", session: "new")
        let followUp = try conversation.turn("Thanks!", model: "router")
        expect(followUp, route: "strong", session: "pinned")
        // SIGHUP swaps the config; the sessions stay.
        let service = try ProxyFixture.service()
        service.replaceConfig(service.config)
        expect(try conversation.turn("ok", model: "router-1.0"), route: "strong", session: "pinned")
    }

    @Test func aHardFollowUpAfterAWeakFirstTurnMovesToStrongAndStays() throws {
        let proxy = try twoTierProxy()
        let conversation = Conversation(proxy)
        expect(try conversation.turn("hi \(UUID())", model: "router-1.0"), route: "weak", session: "new")
        expect(try conversation.turn("Prove that there are infinitely many primes.", model: "router-0.0"), route: "strong", session: "upgraded")
        expect(try conversation.turn("thanks", model: "router-1.0"), route: "strong", session: "pinned")
    }

    @Test func aToolCallLoopStaysOnTheIssuingTier() throws {
        let call = #"{"id":"call_7","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}"#
        let body = #"{"id":"c1","object":"chat.completion","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,"tool_calls":["# + call + "]}}]}"
        let stub = try StubUpstream(answer: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
        let (strong, _) = try ProxyFixture.upstreams()
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: stub.upstreamJSON(model: "caller")))
        let conversation = Conversation(proxy)
        expect(try conversation.turn("What is the weather in Paris? \(UUID())", model: "router-1.0"), route: "weak", session: "new")
        #expect((conversation.messages.last?["tool_calls"] as? [Any])?.count == 1)
        // The tool's result, with a win rate that would move a user turn up: it goes back to the caller.
        conversation.messages.append(["role": "tool", "tool_call_id": "call_7", "content": "18 C and sunny"])
        expect(try conversation.turn(nil, model: "router-0.0"), route: "weak", session: "tool")
        conversation.messages.append(["role": "tool", "tool_call_id": "call_7", "content": "18 C and sunny"])
        expect(try conversation.turn(nil, model: "router-0.0", stream: true), route: "weak", session: "tool")
        #expect(stub.requestCount == 3)
    }

    @Test func aFailoverMovesTheSession() throws {
        let (strong, _) = try ProxyFixture.upstreams()
        let proxy = try ProxyFixture.proxy(ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: try ProxyFixture.deadUpstream(model: "gone")))
        let conversation = Conversation(proxy)
        let first = try conversation.turn("hello \(UUID())", model: "router-1.0")
        expect(first, route: "weak", upstream: "strong", session: "new")
        #expect(first.headers["x-router-failover"] == "1")
        let second = try conversation.turn("and then?", model: "router-1.0")
        expect(second, route: "strong", session: "pinned")
        #expect(second.headers["x-router-failover"] == "0")
    }

    @Test func aSessionPastItsTimeToLiveIsRoutedAfresh() throws {
        let shared = try ProxyFixture.service()
        var settings = shared.settings
        settings.sessionTimeToLive = .seconds(1)
        let service = RouterService(settings: settings)
        service.becomeReady(try #require(shared.engine))
        let proxy = try twoTierProxy(service: service)
        let conversation = Conversation(proxy)
        expect(try conversation.turn("Derive Maxwell's equations. \(UUID())", model: "router-0.0"), route: "strong", session: "new")
        expect(try conversation.turn("ok", model: "router-1.0"), route: "strong", session: "pinned")
        Thread.sleep(forTimeInterval: 1.3)
        expect(try conversation.turn("ok", model: "router-1.0"), route: "weak", session: "new")
    }

    @Test func aNamedSessionLinksUnrelatedMessagesAndNewRoutesAfresh() throws {
        let proxy = try twoTierProxy()
        let name = "session-\(UUID())"
        let first = Conversation(proxy)
        first.headers = ["X-Session-Id": name]
        expect(try first.turn("Design a distributed rate limiter.", model: "router-0.0"), route: "strong", session: "new")
        let second = Conversation(proxy)
        second.headers = ["X-Session-Id": name]
        expect(try second.turn("hi", model: "router-1.0"), route: "strong", session: "pinned")
        second.headers = ["X-Session-Id": "new"]
        expect(try second.turn("hi again", model: "router-1.0"), route: "weak", session: "new")
        // The request's `user` names a session too.
        let user = "user-\(UUID())"
        expect(try Conversation(proxy).turn("Prove Fermat's little theorem.", model: "router-0.0", extra: ["user": user]),
               route: "strong", session: "new")
        expect(try Conversation(proxy).turn("hi", model: "router-1.0", extra: ["user": user]), route: "strong", session: "pinned")
        let empty = Conversation(proxy)
        empty.headers = ["X-Session-Id": " "]
        #expect(try empty.turn("hi", model: "router").status == 400)
    }

    @Test func routeNamesItsSessionAndGetsTheSameRules() throws {
        let proxy = try twoTierProxy()
        func route(_ body: [String: Any], headers: [String: String] = [:]) throws -> [String: Any] {
            let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            let response = try proxy.client().request("POST", "/v1/route", body: text, headers: headers)
            #expect(response.status == 200, "\(response.text)")
            return try response.json()
        }
        let name = "route-\(UUID())"
        let first = try route(["query": "hi", "session_id": name, "threshold": 1.0])
        #expect(first["session"] as? String == "new" && first["route"] as? String == "weak" && first["session_tier"] as? String == "weak")
        let pinned = try route(["query": "hi", "session_id": name, "threshold": 1.0])
        #expect(pinned["session"] as? String == "pinned" && pinned["route"] as? String == "weak")
        let tool = try route(["messages": [["role": "user", "content": "weather?"],
                                           ["role": "assistant", "content": NSNull(), "tool_calls": [["id": "c", "type": "function",
                                               "function": ["name": "w", "arguments": "{}"]]]],
                                           ["role": "tool", "tool_call_id": "c", "content": "sunny"]],
                                 "threshold": 0.0], headers: ["X-Session-Id": name])
        #expect(tool["session"] as? String == "tool" && tool["route"] as? String == "weak")
        let upgraded = try route(["query": "Prove that the square root of 2 is irrational.", "session_id": name, "threshold": 0.0])
        #expect(upgraded["session"] as? String == "upgraded" && upgraded["route"] as? String == "strong"
                && upgraded["session_tier"] as? String == "strong")
        let fresh = try route(["query": "hi", "session_id": name, "threshold": 1.0], headers: ["X-Session-Id": "new"])
        #expect(fresh["session"] as? String == "new" && fresh["route"] as? String == "weak")
        let none = try route(["query": "hi", "threshold": 1.0])
        #expect(none["session"] == nil && none["session_tier"] == nil)
        let refused = try proxy.client().request("POST", "/v1/route", body: #"{"query": "hi", "session_id": ""}"#)
        #expect(refused.status == 400 && refused.text.contains("session_id"))
    }
}
