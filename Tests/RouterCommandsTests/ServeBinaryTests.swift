import Foundation
import Glibc
import TestSupport
import Testing

/// `causal-router serve` as the built binary over real sockets, for what its command line sets
/// up: --unix, --api-key-file, --public-metrics, --allow-unauthenticated, --continuous-batching,
/// --max-queue; and what the server documents for hostile or unlucky requests: 431 and 501
/// from the connection layer, a query whose deadline passes in the queue, a cache hit while the
/// queue is full. Each test starts its own server (the real model) and stops it with SIGTERM.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ServeBinaryTests {
    /// Starts serve with `arguments` and waits until its model is loaded.
    static func ready(_ arguments: [String]) throws -> ServeProcess {
        let server = try ServeProcess(arguments)
        try #require(server.waitUntilReady(), "not ready within 120 s; log: \(server.log)")
        return server
    }

    /// SIGTERM, then a clean exit within a minute.
    static func stop(_ server: ServeProcess) throws {
        server.signal(SIGTERM)
        try #require(server.waitForExit(timeout: .seconds(60)), "no exit within 60 s of SIGTERM; log: \(server.log)")
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0, "log: \(server.log)")
    }

    static func json(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
    }

    static func route(_ client: TestHTTPClient, _ query: String, headers: [String: String] = [:]) throws -> [String: Any] {
        let response = try client.request("POST", "/v1/route", body: "{\"query\": \(json(query)), \"timeout_ms\": 120000}", headers: headers)
        #expect(response.status == 200, "\(response.text)")
        return try response.json()
    }

    static func metric(_ client: TestHTTPClient, _ name: String, _ labels: String = "") throws -> Double {
        MetricsText.value("causal_router_" + name, labels, in: try client.request("GET", "/metrics").text)
    }

    static func errorMessage(_ response: TestHTTPClient.Response) -> String {
        ((try? response.json())?["error"] as? [String: Any])?["message"] as? String ?? ""
    }

    @Test func aUnixSocketIsOwnerOnlyServesAndIsRemovedAtExit() throws {
        let path = "/tmp/cr-serve-\(UUID().uuidString.prefix(8)).sock"
        let server = try ServeProcess(["--unix", path, "--threads", "1"])
        try #require(server.readUntil("listening on unix:\(path)"), "log: \(server.log)")
        try #require(server.waitUntilReady(), "log: \(server.log)")
        var info = stat()
        try #require(stat(path, &info) == 0, "no socket file at \(path)")
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o600, "mode \(String(info.st_mode & 0o777, radix: 8))")
        let client = try TestHTTPClient(unixPath: path, receiveTimeoutSeconds: 30)
        #expect(try client.request("GET", "/healthz").text == "{\"status\":\"ok\"}\n")
        #expect(try Self.route(client, "What is 2+2?")["fallback"] as? Bool == false)
        #expect(try client.request("GET", "/v1/config").json()["authentication"] as? String == "none", "a Unix socket needs no key")
        try Self.stop(server)
        #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed at exit")

        let mixed = try CLIHarness.spawn(["serve", "--unix", path, "--port", "0"])
        #expect(mixed.status == 2 && mixed.stderr.contains("--unix cannot be combined with --host or --port"), "\(mixed.stderr)")
    }

    @Test func anAPIKeyFileGuardsEveryEndpointButHealth() throws {
        let keys = try CLIHarness.temporaryFile("keys.txt", contents: "# the sidecar's keys\nsk-binary-one\n\nsk-binary-two\n")
        let server = try Self.ready(["--port", "0", "--threads", "1", "--api-key-file", keys])
        let client = try server.client()
        #expect(try client.request("GET", "/healthz").status == 200, "health is open")
        let missing = try client.request("POST", "/v1/route", body: #"{"query": "What is 2+2?"}"#)
        #expect(missing.status == 401 && missing.headers["www-authenticate"] == "Bearer")
        let wrong = try client.request("GET", "/v1/config", headers: ["Authorization": "Bearer sk-binary-on"])
        #expect(wrong.status == 401 && !wrong.text.contains("sk-binary"))
        #expect(try client.request("GET", "/metrics").status == 401, "metrics need the key without --public-metrics")

        let verdict = try Self.route(client, "What is 2+2?", headers: ["Authorization": "Bearer sk-binary-two"])
        #expect(verdict["fallback"] as? Bool == false)
        let config = try client.request("GET", "/v1/config", headers: ["Authorization": "Bearer sk-binary-one"])
        #expect(config.status == 200)
        #expect(try config.json()["authentication"] as? String == "bearer" && config.json()["public_metrics"] as? Bool == false)
        #expect(!config.text.contains("sk-binary"), "the config shows no key")
        let metrics = try client.request("GET", "/metrics", headers: ["Authorization": "Bearer sk-binary-one"])
        #expect(MetricsText.value("causal_router_unauthorized_total", in: metrics.text) == 3)
        try Self.stop(server)
        #expect(!server.log.contains("sk-binary"), "no key in the log: \(server.log)")
    }

    @Test func publicMetricsOpensOnlyMetrics() throws {
        let keys = try CLIHarness.temporaryFile("keys.txt", contents: "sk-metrics-key\n")
        let server = try Self.ready(["--port", "0", "--threads", "1", "--api-key-file", keys, "--public-metrics"])
        let client = try server.client()
        let metrics = try client.request("GET", "/metrics")
        #expect(metrics.status == 200 && metrics.text.contains("causal_router_model_ready 1"))
        #expect(try client.request("GET", "/v1/config").status == 401)
        #expect(try client.request("POST", "/v1/route", body: #"{"query": "hi"}"#).status == 401)
        let config = try client.request("GET", "/v1/config", headers: ["Authorization": "Bearer sk-metrics-key"])
        #expect(try config.status == 200 && config.json()["public_metrics"] as? Bool == true)
        try Self.stop(server)
    }

    @Test func allowUnauthenticatedServesAWildcardAddressWithoutKeys() throws {
        let server = try Self.ready(["--host", "0.0.0.0", "--port", "0", "--threads", "1", "--allow-unauthenticated"])
        #expect(server.log.contains("listening on http://0.0.0.0:"), "log: \(server.log)")
        let client = try server.client()
        #expect(try client.request("GET", "/v1/config").json()["authentication"] as? String == "none")
        #expect(try Self.route(client, "What is 2+2?")["fallback"] as? Bool == false, "routes answer without a key")
        try Self.stop(server)
    }

    /// --continuous-batching decodes several queries in one decode (what batch-invariant
    /// scoring, the default, never does): the same eight-query batch on each.
    @Test func continuousBatchingDecodesQueriesTogether() throws {
        let queries = try RepositoryFixture.gsm8kQueries(8).map(Self.json).joined(separator: ", ")
        func serve(_ extra: [String]) throws -> (batched: Double, carried: Double, decodes: Double) {
            let server = try Self.ready(["--port", "0", "--threads", "1", "--parallel", "4"] + extra)
            let client = try server.client(receiveTimeoutSeconds: 60)
            let response = try client.request("POST", "/v1/route/batch", body: "{\"queries\": [\(queries)], \"timeout_ms\": 120000}")
            #expect(response.status == 200)
            let verdicts = try #require(try response.json()["verdicts"] as? [[String: Any]])
            #expect(verdicts.count == 8 && verdicts.allSatisfy { $0["fallback"] as? Bool == false })
            #expect((try client.request("GET", "/v1/config").json()["limits"] as? [String: Any])?["parallel"] as? Int == 4)
            let figures = (try Self.metric(client, "batched_decodes_total"), try Self.metric(client, "batch_queries_sum"),
                           try Self.metric(client, "batch_queries_count"))
            try Self.stop(server)
            return figures
        }
        let continuous = try serve(["--continuous-batching"])
        #expect(continuous.batched > 0, "some decode carried several queries: \(continuous)")
        #expect(continuous.carried > continuous.decodes)
        let invariant = try serve([])
        #expect(invariant.batched == 0 && invariant.carried == invariant.decodes, "one query a decode: \(invariant)")
    }

    /// The connection layer's refusals, on the wire: a head over 64 KiB gets 431, a chunked body
    /// 501; each closes its connection, and the server goes on serving.
    @Test func oversizedHeadersGet431AndAChunkedBodyGets501() throws {
        let server = try ServeProcess(["--port", "0", "--threads", "1"])
        let large = try server.client()
        let padding = String(repeating: "a", count: 70_000)
        #expect(large.send(raw: Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: \(padding)\r\n\r\n".utf8)).sent)
        let tooLarge = try large.readResponse()
        #expect(tooLarge.status == 431 && tooLarge.headers["connection"] == "close")
        #expect(Self.errorMessage(tooLarge) == "request headers exceed 65536 bytes", "\(tooLarge.text)")
        #expect(large.isClosedByServer())

        let chunked = try server.client()
        let body = #"{"query": "What is 2+2?"}"#
        #expect(chunked.send(raw: Array(("POST /v1/route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                         + "Transfer-Encoding: chunked\r\n\r\n\(String(body.utf8.count, radix: 16))\r\n\(body)\r\n0\r\n\r\n").utf8)).sent)
        let notImplemented = try chunked.readResponse()
        #expect(notImplemented.status == 501 && notImplemented.headers["connection"] == "close")
        #expect(Self.errorMessage(notImplemented).contains("Transfer-Encoding is not supported"), "\(notImplemented.text)")
        #expect(chunked.isClosedByServer())

        let health = try server.client().request("GET", "/healthz")
        #expect(health.status == 200 || health.status == 503, "still serving (loading or ready): \(health.status)")
        try #require(server.waitUntilReady(), "log: \(server.log)")
        try Self.stop(server)
    }

    /// A query whose deadline passes while it waits in the engine's queue gets its fallback at
    /// the deadline ("reason": "timeout") and is dropped from the queue without a decode
    /// (causal_router_queries_abandoned_total). A fresh server has not measured its decode rate,
    /// so it admits every query of the first batch rather than refusing those it could not score
    /// in time; one thread scores one query at a time, so with a 250 ms deadline most of twelve
    /// long queries are still queued when it passes.
    @Test func aQueryWhoseDeadlinePassesInTheQueueFailsOpenAndIsDropped() throws {
        let server = try Self.ready(["--port", "0", "--threads", "1"])
        let client = try server.client()
        let queries = try RepositoryFixture.arenaHardQueries(12).map(Self.json).joined(separator: ", ")
        let sent = ContinuousClock.now
        let response = try client.request("POST", "/v1/route/batch", body: "{\"queries\": [\(queries)], \"timeout_ms\": 250}")
        let took = ContinuousClock.now - sent
        #expect(response.status == 200)
        let verdicts = try #require(try response.json()["verdicts"] as? [[String: Any]])
        #expect(verdicts.count == 12)
        let timedOut = verdicts.filter { $0["fallback"] as? Bool == true && $0["reason"] as? String == "timeout" }
        #expect(timedOut.count >= 2, "\(verdicts.map { $0["reason"] as? String ?? "scored" })")
        #expect(timedOut.allSatisfy { $0["route"] as? String == "strong" && $0["cached"] as? Bool == false }, "the fallback route")
        #expect(timedOut.allSatisfy { ($0["latency_ms"] as? Double ?? 0) >= 245 }, 
                "answered at the deadline, not before: \(timedOut.map { $0["latency_ms"] as? Double ?? 0 })")
        #expect(took >= .milliseconds(250), "answered after \(took): the queued queries were waited for until their deadline")
        // The engine drops them when it next takes from its queue (after the decode under way).
        var abandoned = 0.0
        let dropped = try waitUntil(.seconds(60), every: .milliseconds(50)) {
            abandoned = try Self.metric(client, "queries_abandoned_total")
            return abandoned >= 2
        }
        #expect(dropped, "\(abandoned) queries dropped; at most one is decoded at a time, so two or more waited in the queue")
        #expect(try Self.metric(client, "fallbacks_total", #"reason="timeout""#) == Double(timedOut.count))
        try Self.stop(server)
    }

    /// A repeated query is answered from the verdict cache while the queue is full: one long query
    /// is being decoded and another waits (--max-queue 1), so a new query is refused as
    /// "overloaded", and the repeat is answered, scored, at once.
    @Test func aCachedQueryIsAnsweredWhileTheQueueIsFull() throws {
        let server = try Self.ready(["--port", "0", "--threads", "1", "--max-queue", "1", "--ctx", "1024"])
        let client = try server.client()
        let repeated = "What is the capital of France?"
        let first = try Self.route(client, repeated)
        #expect(first["fallback"] as? Bool == false && first["cached"] as? Bool == false)

        // The two longest Arena-Hard prompts: seconds of decoding each on one thread.
        let long = try RepositoryFixture.arenaHardQueries(500).sorted { $0.utf8.count > $1.utf8.count }.prefix(2).map(Self.json)
        let tokens = try Self.metric(client, "tokens_processed_total")
        let decoding = try server.client(receiveTimeoutSeconds: 120)
        #expect(decoding.send("POST", "/v1/route", body: "{\"query\": \(long[0]), \"timeout_ms\": 120000}").sent)
        // In a sequence once its first chunk is decoded; then the next one has to wait in the queue.
        try #require(try waitUntil(.seconds(30), every: .milliseconds(5)) { try Self.metric(client, "tokens_processed_total") > tokens },
                     "the long query was not decoded")
        let waiting = try server.client(receiveTimeoutSeconds: 120)
        #expect(waiting.send("POST", "/v1/route", body: "{\"query\": \(long[1]), \"timeout_ms\": 120000}").sent)
        try #require(try waitUntil(.seconds(30), every: .milliseconds(5)) { try Self.metric(client, "queue_depth") == 1 },
                     "the second long query did not queue")

        let cached = try Self.route(client, repeated)
        #expect(cached["fallback"] as? Bool == false && cached["cached"] as? Bool == true, "\(cached)")
        #expect("\(cached["probabilities"] ?? "")" == "\(first["probabilities"] ?? "")")
        let refused = try Self.route(client, "A query not asked before: what is 17 times 23?")
        #expect(refused["fallback"] as? Bool == true && refused["reason"] as? String == "overloaded",
                "the queue was still full after the cache hit: \(refused)")
        #expect(try Self.metric(client, "verdict_cache_hits_total") == 1)

        for (name, connection) in [("decoding", decoding), ("waiting", waiting)] {
            let answer = try connection.readResponse()
            #expect(try answer.status == 200 && answer.json()["fallback"] as? Bool == false, "the \(name) long query was scored")
        }
        try Self.stop(server)
    }

    /// --record from the command line: the folder is created 0700, the start says where it records,
    /// /v1/route is recorded under the client's request id, and SIGTERM writes what is queued.
    @Test func recordingWritesEveryAnsweredRouteBeforeExit() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("records-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try Self.ready(["--port", "0", "--threads", "1", "--record", folder, "--record-max-mb", "1"])
        #expect(server.log.contains("recording to \(folder)/records-"), "log: \(server.log)")
        let client = try server.client(receiveTimeoutSeconds: 120)
        for n in 0..<3 {
            let response = try client.request("POST", "/v1/route", body: "{\"query\": \"What is \(n) plus 2?\", \"timeout_ms\": 120000}",
                                              headers: ["X-Request-Id": "binary-\(n)"])
            #expect(response.status == 200)
            #expect(response.headers["x-router-request-id"] == "binary-\(n)")
        }
        try Self.stop(server)
        var info = stat()
        #expect(stat(folder, &info) == 0 && info.st_mode & 0o777 == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".jsonl") }
        #expect(files.count == 1, "\(files)")
        let lines = try String(contentsOfFile: folder + "/" + (files.first ?? ""), encoding: .utf8).split(separator: "\n")
        let ids = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.map { $0["id"] as? String }
        #expect(ids == ["binary-0", "binary-1", "binary-2"])
    }
}
