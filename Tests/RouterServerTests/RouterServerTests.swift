@testable import HTTPTransport
import Dispatch
import Foundation
import Locking
import RouterCore
import TestSupport
import Testing
@testable import RouterServer

/// The sidecar over real sockets with the real model.
@Suite(.serialized, .timeLimit(.minutes(10))) struct RouterServerTests {
    func expectVerdict(_ v: [String: Any], fallback: Bool = false) {
        #expect(v["fallback"] as? Bool == fallback)
        if !fallback {
            let p = v["probabilities"] as? [Double] ?? []
            #expect(p.count == 5 && abs(p.reduce(0, +) - 1) < 1e-9)
            #expect((1...5).contains(v["label"] as? Int ?? 0))
            #expect(["strong", "weak"].contains(v["route"] as? String ?? ""))
        }
    }

    @Test func routesByQueryAndByMessages() throws {
        let client = try ServerFixture.client()
        #expect(try client.request("GET", "/healthz").text == "{\"status\":\"ok\"}\n")
        let byQuery = try client.request("POST", "/v1/route", body: #"{"query": "What is 15% of 80?", "timeout_ms": 120000}"#)
        #expect(byQuery.status == 200)
        expectVerdict(try byQuery.json())
        let byMessages = try client.request("POST", "/v1/route", body: """
            {"model": "ignored", "timeout_ms": 120000, "messages": [{"role": "system", "content": "Be brief."},
             {"role": "user", "content": [{"type": "text", "text": "What is 15% of 80?"}]}]}
            """)
        #expect(byMessages.status == 200)
        let v = try byMessages.json()
        expectVerdict(v)
        let q = try byQuery.json()
        #expect(zip(v["probabilities"] as! [Double], q["probabilities"] as! [Double]).allSatisfy { abs($0 - $1) < 1e-5 },
                "a lone user message scores like the same query")
        let turns = try client.request("POST", "/v1/route", body: """
            {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
             {"role": "user", "content": "Now prove the Riemann hypothesis."}], "threshold": 0, "timeout_ms": 120000}
            """)
        let t = try turns.json()
        expectVerdict(t)
        #expect(t["route"] as? String == "strong" && t["threshold"] as? Double == 0)
    }

    @Test func concurrentRequestsAreAllAnsweredEachInItsOwnDecode() throws {
        let application = try ServerFixture.application()
        let before = try ServerFixture.client().request("GET", "/metrics").text
        let queries = try ServerFixture.gsm8kQueries(32)
        let statuses = Lock<[Int]>([])
        let fallbacks = Lock(0)
        let failures = Lock<[String]>([])
        // 16 real threads (concurrentPerform would run only as many as there are cores), each
        // with its own keep-alive connection, released together.
        let group = DispatchGroup()
        let connected = DispatchSemaphore(value: 0)
        let start = DispatchSemaphore(value: 0)
        for connection in 0..<16 {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                let client = try? TestHTTPClient(port: ServerFixture.port(application))
                connected.signal()
                do {
                    guard start.wait(timeout: .now() + 60) == .success else { throw TestHTTPClient.ClientError(description: "never released") }
                    guard let client else { throw TestHTTPClient.ClientError(description: "cannot connect") }
                    for k in 0..<2 {
                        let query = queries[connection * 2 + k]
                        // The longest deadline a request may ask: on a loaded machine the engine's
                        // measured rate can put 32 queued queries past 120 s, and it then refuses
                        // them at once (a fallback), which is not what this test is about.
                        let response = try client.request("POST", "/v1/route",
                                                          body: "{\"query\": \(ServerFixture.jsonString(query)), \"timeout_ms\": 600000}")
                        statuses.withLock { $0.append(response.status) }
                        if (try response.json())["fallback"] as? Bool != false { fallbacks.withLock { $0 += 1 } }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            thread.start()
        }
        // Released together once every thread has its connection.
        for index in 0..<16 {
            try #require(connected.wait(timeout: .now() + 30) == .success, "thread \(index) did not get to connect within 30 s")
        }
        for _ in 0..<16 { start.signal() }
        try #require(group.wait(timeout: .now() + 300) == .success, "the 32 requests were not all answered within 300 s")
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(statuses.withLock { $0 }.count == 32 && statuses.withLock { $0 }.allSatisfy { $0 == 200 })
        #expect(fallbacks.withLock { $0 } == 0)
        let after = try ServerFixture.client().request("GET", "/metrics").text
        let batched = ServerFixture.metric("causal_router_batched_decodes_total", in: after)
            - ServerFixture.metric("causal_router_batched_decodes_total", in: before)
        let decodes = ServerFixture.metric("causal_router_batch_queries_count", in: after)
            - ServerFixture.metric("causal_router_batch_queries_count", in: before)
        let carried = ServerFixture.metric("causal_router_batch_queries_sum", in: after)
            - ServerFixture.metric("causal_router_batch_queries_sum", in: before)
        // Batch-invariant scoring (the default): each request is decoded on its own, in turn.
        #expect(batched == 0, "no decode carried several requests")
        #expect(decodes >= 32 && carried == decodes, "one request per decode: \(decodes) decodes, \(carried) carried")
    }

    @Test func theBatchEndpointAnswersInOrder() throws {
        let client = try ServerFixture.client()
        let response = try client.request("POST", "/v1/route/batch", body: """
            {"queries": ["What is 2+2?", {"query": "Write a proof that sqrt(2) is irrational."},
             {"messages": [{"role": "user", "content": "What is 2+2?"}]}], "timeout_ms": 60000}
            """)
        #expect(response.status == 200)
        let verdicts = try #require(try response.json()["verdicts"] as? [[String: Any]])
        #expect(verdicts.count == 3)
        verdicts.forEach { expectVerdict($0) }
        #expect(zip(verdicts[0]["probabilities"] as! [Double], verdicts[2]["probabilities"] as! [Double]).allSatisfy { abs($0 - $1) < 0.03 })
        let bad = try client.request("POST", "/v1/route/batch", body: #"{"queries": ["ok", 7]}"#)
        #expect(bad.status == 400)
        #expect(try client.request("POST", "/v1/route/batch", body: #"{"queries": []}"#).status == 400)
    }

    @Test func badRequestsGetClearErrors() throws {
        let client = try ServerFixture.client()
        func error(_ r: TestHTTPClient.Response) throws -> String {
            let e = try #require(try r.json()["error"] as? [String: Any])
            #expect(e["type"] is String)
            return e["message"] as? String ?? ""
        }
        let malformed = try client.request("POST", "/v1/route", body: "{\"query\": ")
        #expect(malformed.status == 400)
        #expect(try error(malformed).contains("not valid JSON"))
        let missing = try client.request("POST", "/v1/route", body: #"{"text": "hi"}"#)
        #expect(missing.status == 400)
        #expect(try error(missing).contains("\"query\""))
        let wrongType = try client.request("POST", "/v1/route", body: #"{"query": "hi", "threshold": "high"}"#)
        #expect(wrongType.status == 400)
        #expect(try error(wrongType).contains("threshold"))
        #expect(try client.request("POST", "/v1/route", body: #"{"query": "hi", "threshold": 2}"#).status == 400)
        #expect(try client.request("POST", "/v1/route", body: #"{"query": "   "}"#).status == 400)
        #expect(try client.request("POST", "/v1/route", body: #"{"messages": [{"role": "system", "content": "x"}]}"#).status == 400)
        let unknown = try client.request("GET", "/v2/everything")
        #expect(unknown.status == 404)
        let wrongMethod = try client.request("GET", "/v1/route")
        #expect(wrongMethod.status == 405 && wrongMethod.headers["allow"] == "POST")
        // The connection survived all of that (keep-alive); an oversize body closes it.
        let oversize = try client.request("POST", "/v1/route", body: "{\"query\": \"\(String(repeating: "x", count: 5000))\"}")
        #expect(oversize.status == 413)
        #expect(oversize.headers["connection"] == "close")
        #expect(client.isClosedByServer())
    }

    @Test func aDeadlineOfOneMillisecondYieldsAFallbackVerdict() throws {
        let client = try ServerFixture.client()
        let response = try client.request("POST", "/v1/route", body: #"{"query": "Explain general relativity in depth.", "timeout_ms": 1}"#)
        #expect(response.status == 200)
        let v = try response.json()
        expectVerdict(v, fallback: true)
        #expect(v["reason"] as? String == "timeout")
        #expect(v["route"] as? String == "strong" && v["model"] as? String == "gpt-4-1106-preview")
        #expect((v["latency_ms"] as? Double ?? 1e9) < 1000)
    }

    @Test func keepAliveAndPipeliningReuseOneConnection() throws {
        let application = try ServerFixture.application()
        let client = try ServerFixture.client()
        for _ in 0..<3 { #expect(try client.request("GET", "/healthz").status == 200) }
        let body = #"{"query": "What is 3+4?", "timeout_ms": 60000}"#
        let one = "POST /v1/route HTTP/1.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        client.send(raw: Array((one + one + "GET /v1/config HTTP/1.1\r\n\r\n").utf8))
        let first = try client.readResponse(), second = try client.readResponse(), third = try client.readResponse()
        #expect(first.status == 200 && second.status == 200 && third.status == 200)
        expectVerdict(try first.json())
        #expect(try third.json()["template"] as? String == "rating")
        #expect(first.headers["connection"] == "keep-alive")
        #expect(application.server.connectionCount >= 1)
        let closing = try client.request("GET", "/healthz", headers: ["Connection": "close"])
        #expect(closing.headers["connection"] == "close")
        #expect(client.isClosedByServer())
    }

    @Test func configAndMetricsDescribeTheService() throws {
        let client = try ServerFixture.client()
        let config = try client.request("GET", "/v1/config").json()
        #expect(config["strong_model"] as? String == "gpt-4-1106-preview")
        #expect((config["limits"] as? [String: Any])?["max_body_bytes"] as? Int == 4096)
        #expect((config["model"] as? String)?.hasSuffix("SmolLM2-135M-Instruct.IQ4_NL.gguf") == true)
        _ = try client.request("POST", "/v1/route", body: #"{"query": "hello", "timeout_ms": 60000}"#)
        let metrics = try client.request("GET", "/metrics")
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        for name in ["causal_router_requests_total{path=\"/v1/route\",status=\"200\"}", "causal_router_request_duration_seconds_bucket",
                     "causal_router_labels_total", "causal_router_routes_total", "causal_router_queue_depth",
                     "causal_router_batch_queries_bucket", "causal_router_tokens_processed_total"] {
            #expect(metrics.text.contains(name), "missing \(name)")
        }
        #expect(ServerFixture.metric("causal_router_tokens_processed_total", in: metrics.text) > 0)
        #expect(ServerFixture.metric("causal_router_model_ready", in: metrics.text) == 1)
    }

    @Test func aFullQueueFailsOpenAsOverloaded() throws {
        let application = try RouterApplication(options: ServerFixture.options(parallel: 1, maxQueue: 0), locator: ServerFixture.locator)
        defer { application.stop() }
        _ = try application.waitUntilLoaded().get()
        let client = try TestHTTPClient(port: ServerFixture.port(application))
        let response = try client.request("POST", "/v1/route", body: #"{"query": "hello"}"#)
        #expect(response.status == 200)
        let v = try response.json()
        expectVerdict(v, fallback: true)
        #expect(v["reason"] as? String == "overloaded")
    }

    @Test func healthFollowsTheServiceStateFromLoadingToReady() throws {
        // The service is held in "loading" until the test hands it the engine: no race with the load.
        let settings = ServiceSettings(config: try RoutingConfig(), modelPath: "SmolLM2", templateName: "rating",
                                       engine: ScoringEngineSettings(parallel: 2, contextLength: 512, threads: 2),
                                       limits: HTTPServerLimits())
        let service = RouterService(settings: settings)
        let server = try HTTPServer(address: .tcp(host: "127.0.0.1", port: 0), handler: service)
        server.start()
        defer { server.shutdown(timeout: .seconds(5)) }
        guard case .tcp(_, let port) = server.address else { Issue.record("not TCP"); return }
        let client = try TestHTTPClient(port: port)
        let loading = try client.request("GET", "/healthz")
        #expect(loading.status == 503 && loading.text == "{\"status\":\"loading\"}\n")
        #expect(try client.request("POST", "/v1/route", body: #"{"query": "hi"}"#).status == 503)

        let setup = RouterSetup(options: ServerFixture.options().router, locator: ServerFixture.locator)
        let engine = try ScoringEngine(model: setup.loadModel(), template: setup.template(), settings: settings.engine)
        defer { engine.shutdown() }
        service.becomeReady(engine)
        #expect(try client.request("GET", "/healthz").text == "{\"status\":\"ok\"}\n")
        let routed = try client.request("POST", "/v1/route", body: #"{"query": "What is 2+2?", "timeout_ms": 120000}"#)
        #expect(routed.status == 200)
        expectVerdict(try routed.json())

        service.fail("the model file vanished")
        let failed = try client.request("GET", "/healthz")
        #expect(failed.status == 503 && failed.text.contains("\"failed\"") && failed.text.contains("vanished"))
    }
}
