import Foundation
import Glibc
import RouterProxy
import RouterServer
import TestSupport
import Testing

/// `serve --record` and `--shadow-rate` against the real router and two real llama-server
/// upstreams: what a record holds (routed, streamed, named, /v1/route and batch), file rotation
/// and modes, a torn last line cut at start, and a slow shadow upstream that does not delay the
/// client (a scripted stub holds the shadow answer back).
@Suite("Recording and shadow answers (real llama-server upstreams)", .serialized, .timeLimit(.minutes(10)))
struct RecordingTests {
    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("records-\(UUID())").path
    }

    /// Waits (at most 30 s) until `count` records are written, then reads every record file's lines in name order.
    static func records(_ recorder: RecordWriter, count: Int) throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + .seconds(30)
        while recorder.statistics.written < count && ContinuousClock.now < deadline { usleep(10_000) }
        #expect(recorder.statistics.written == count, "\(recorder.statistics)")
        return try lines(in: recorder.options.directory).map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    static func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
    }

    static func lines(in folder: String) throws -> [String] {
        try files(in: folder).flatMap { name in
            try String(contentsOfFile: folder + "/" + name, encoding: .utf8).split(separator: "\n").map(String.init)
        }
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
    }

    private func twoTier() throws -> String {
        let (strong, weak) = try ProxyFixture.upstreams()
        return ProxyFixture.twoTier(strong: strong.upstreamJSON, weak: weak.upstreamJSON)
    }

    @Test func aRecordHoldsTheRequestVerdictTiersLatenciesUsageAndAnswers() throws {
        let folder = Self.folder()
        let (proxy, recorder) = try ProxyFixture.recordingProxy(try twoTier(), recording: RecordingOptions(directory: folder, answers: true))
        defer { recorder.close(); try? FileManager.default.removeItem(atPath: folder) }
        let client = try proxy.client()
        let body = #"{"model": "router-1.0", "max_tokens": 8, "metadata": {"reference": "4", "n": 0.1}, "#
            + #""messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2+2?"}]}"#
        let whole = try client.request("POST", "/v1/chat/completions", body: body, headers: ["X-Request-Id": "client-42"])
        #expect(whole.status == 200, "\(whole.text)")
        #expect(whole.headers["x-router-request-id"] == "client-42")
        let streamed = try client.chat("Count to three.", model: "router-0.0", stream: true, maxTokens: 8)
        #expect(streamed.status == 200)
        let streamedID = try #require(streamed.headers["x-router-request-id"])
        #expect(UUID(uuidString: streamedID) != nil, "a new id when the client sends none: \(streamedID)")
        let named = try client.chat("Hello", model: "weak")
        #expect(named.status == 200)
        let route = try client.request("POST", "/v1/route", body: #"{"query": "Derive the Black-Scholes equation."}"#,
                                       headers: ["X-Request-Id": "bad id with spaces"])
        #expect(route.status == 200)
        #expect(route.headers["x-router-request-id"].map { UUID(uuidString: $0) != nil } == true, "an insane id is replaced")
        let batch = try client.request("POST", "/v1/route/batch", body: #"{"queries": ["hi", "What is 7 times 8?"]}"#,
                                       headers: ["X-Request-Id": "batch-1"])
        #expect(batch.status == 200)
        #expect(batch.headers["x-router-request-id"] == "batch-1")

        let records = try Self.records(recorder, count: 6)
        #expect(records.count == 6)
        let first = try #require(records.first { $0["id"] as? String == "client-42" })
        #expect(first["path"] as? String == "/v1/chat/completions")
        #expect((first["time"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
        #expect(first["query"] as? String == "What is 2+2?")
        #expect((first["messages"] as? [[String: Any]])?.count == 2, "as received, the system message too")
        let metadata = try #require(first["metadata"] as? [String: Any])
        #expect(metadata["reference"] as? String == "4")
        #expect(metadata["n"] as? Double == 0.1)
        let verdict = try #require(first["verdict"] as? [String: Any])
        #expect(verdict["route"] as? String == "weak")
        #expect(verdict["threshold"] as? Double == 1)
        #expect((verdict["probabilities"] as? [Double])?.count == 5)
        #expect(first["tier"] as? String == "weak")
        #expect(first["answered_by"] as? String == "weak")
        #expect(first["failover"] as? Bool == false)
        #expect(first["status"] as? Int == 200)
        let latency = try #require(first["latency_ms"] as? [String: Double])
        let scoring = try #require(latency["scoring"]), firstByte = try #require(latency["first_byte"]), total = try #require(latency["total"])
        #expect(scoring > 0 && scoring <= firstByte && firstByte <= total, "\(latency)")
        #expect(((first["usage"] as? [String: Int])?["completion_tokens"] ?? 0) > 0)
        #expect((first["models"] as? [String: String])?["weak"] == "weak")
        let wholeText = try #require((((try whole.json()["choices"] as? [[String: Any]])?.first?["message"]) as? [String: Any])?["content"] as? String)
        #expect((first["answers"] as? [String: String])?["weak"] == wholeText)
        #expect(first["shadow"] == nil)

        let stream = try #require(records.first { $0["id"] as? String == streamedID })
        #expect(stream["tier"] as? String == "strong")
        let deltas = streamed.events.dropLast().compactMap { event -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any],
                  let choice = (object["choices"] as? [[String: Any]])?.first else { return nil }
            return (choice["delta"] as? [String: Any])?["content"] as? String
        }
        #expect((stream["answers"] as? [String: String])?["strong"] == deltas.joined(), "assembled from the deltas")

        let namedRecord = try #require(records.first { $0["id"] as? String == named.headers["x-router-request-id"] })
        #expect(namedRecord["verdict"] is NSNull, "a named model is not routed")
        #expect(namedRecord["tier"] as? String == "weak")

        let routeRecord = try #require(records.first { $0["path"] as? String == "/v1/route" })
        #expect(routeRecord["query"] as? String == "Derive the Black-Scholes equation.")
        #expect((routeRecord["verdict"] as? [String: Any])?["label"] is Int)
        #expect(routeRecord["tier"] == nil && routeRecord["answers"] == nil)

        let batchRecords = records.filter { $0["id"] as? String == "batch-1" }
        #expect(batchRecords.map { $0["index"] as? Int } == [0, 1])
        #expect(batchRecords.map { $0["query"] as? String } == ["hi", "What is 7 times 8?"])

        let metrics = try proxy.metrics()
        #expect(ProxyFixture.metric("causal_router_records_written_total", in: metrics) == 6)
        #expect(ProxyFixture.metric("causal_router_records_dropped_total", in: metrics) == 0)
        #expect(Self.mode(folder) == 0o700)
        for name in Self.files(in: folder) { #expect(Self.mode(folder + "/" + name) == 0o600, "\(name)") }
    }

    @Test func answersAreStoredOnlyWhenAskedFor() throws {
        let folder = Self.folder()
        let (proxy, recorder) = try ProxyFixture.recordingProxy(try twoTier(), recording: RecordingOptions(directory: folder))
        defer { recorder.close(); try? FileManager.default.removeItem(atPath: folder) }
        #expect(try proxy.client().chat("What is 2+2?", model: "router-1.0").status == 200)
        let records = try Self.records(recorder, count: 1)
        #expect(records.first?["answers"] == nil)
        #expect(records.first?["query"] as? String == "What is 2+2?")
    }

    @Test func filesRotatePastTheSizeAndSortByTime() throws {
        let folder = Self.folder()
        let (proxy, recorder) = try ProxyFixture.recordingProxy(try twoTier(), recording: RecordingOptions(directory: folder, maxFileBytes: 1))
        defer { recorder.close(); try? FileManager.default.removeItem(atPath: folder) }
        let client = try proxy.client()
        for n in 0..<3 {
            let response = try client.request("POST", "/v1/route", body: #"{"query": "What is \#(n) plus 1?"}"#, headers: ["X-Request-Id": "r\(n)"])
            #expect(response.status == 200)
            _ = try Self.records(recorder, count: n + 1)
        }
        let files = Self.files(in: folder)
        #expect(files.count == 3, "\(files)")
        for name in files {
            #expect(name.range(of: #"^records-\d{8}T\d{6}Z-\d{4}\.jsonl$"#, options: .regularExpression) != nil, "\(name)")
        }
        let ids = try Self.lines(in: folder).compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.map { $0["id"] as? String }
        #expect(ids == ["r0", "r1", "r2"], "name order is time order")
    }

    @Test func aTornLastLineIsCutBeforeAppending() throws {
        let folder = Self.folder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let older = folder + "/records-20261207T000000Z-0001.jsonl", newest = folder + "/records-20261207T000001Z-0002.jsonl"
        try "{\"id\":\"a\"}\n{\"id\":\"b\",\"torn".write(toFile: older, atomically: true, encoding: .utf8)
        try "{\"id\":\"c\"}\n{\"id\":\"d\",\"query\":\"cut off by a kill".write(toFile: newest, atomically: true, encoding: .utf8)
        let (proxy, recorder) = try ProxyFixture.recordingProxy(try twoTier(), recording: RecordingOptions(directory: folder))
        defer { recorder.close() }
        #expect(recorder.currentFile == newest, "appending goes on in the newest file")
        #expect(try proxy.client().request("POST", "/v1/route", body: #"{"query": "hi"}"#, headers: ["X-Request-Id": "e"]).status == 200)
        let deadline = ContinuousClock.now + .seconds(30)
        while recorder.statistics.written < 1 && ContinuousClock.now < deadline { usleep(10_000) }
        let text = try String(contentsOfFile: newest, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(text.hasSuffix("\n"))
        #expect(lines.count == 2, "\(text)")
        #expect(lines.first == "{\"id\":\"c\"}")
        #expect(lines.last?.hasPrefix("{\"id\":\"e\"") == true, "\(text)")
        #expect(try String(contentsOfFile: older, encoding: .utf8).hasSuffix("\"torn"), "only the newest file is appended to, so only it is cut")
    }

    /// The shadow tier (a stub) holds its answer back until the test releases it: the client has
    /// its whole answer first, and the record is written only once the shadow answer is in.
    @Test func aSlowShadowUpstreamDoesNotDelayTheClient() throws {
        let answer = #"{"id":"s","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"shadow says hi"},"# 
            + #""finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}"#
        let split = answer.index(answer.startIndex, offsetBy: 20)
        let stub = try StubUpstream(answer: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(answer.utf8.count)\r\n\r\n"
                                        + answer[..<split], heldBack: String(answer[split...]))
        defer { stub.release() }
        let (_, weak) = try ProxyFixture.upstreams()
        let folder = Self.folder()
        let (proxy, recorder) = try ProxyFixture.recordingProxy(
            ProxyFixture.twoTier(strong: stub.upstreamJSON(model: "slow-strong"), weak: weak.upstreamJSON),
            recording: RecordingOptions(directory: folder, answers: true), shadow: ShadowOptions(rate: 1))
        defer { recorder.close(); try? FileManager.default.removeItem(atPath: folder) }
        let client = try TestHTTPClient(port: proxy.port, receiveTimeoutSeconds: 10)
        let response = try client.request("POST", "/v1/chat/completions",
                                          body: #"{"model": "router-1.0", "stream": true, "stream_options": {"include_usage": true}, "#
                                              + #""max_tokens": 8, "messages": [{"role": "user", "content": "What is 2+2?"}]}"#)
        #expect(response.status == 200)
        #expect(response.headers["x-router-upstream"] == "weak")
        #expect(response.events.last == "[DONE]")
        #expect(!stub.hasSentHeldBack, "the client's answer came only after the shadow answer")
        #expect(recorder.statistics.written == 0, "the record waits for the shadow answer")
        let deadline = ContinuousClock.now + .seconds(15)
        while stub.requestCount < 1 && ContinuousClock.now < deadline { usleep(10_000) }
        let sent = try #require(stub.requests.first).json()
        #expect(sent["model"] as? String == "slow-strong")
        #expect(sent["stream"] as? Bool == false, "a shadow is asked for whole")
        #expect(sent["stream_options"] == nil)
        stub.release()
        let record = try #require(Self.records(recorder, count: 1).first)
        let shadow = try #require(record["shadow"] as? [String: Any])
        #expect(shadow["tier"] as? String == "strong")
        #expect(shadow["status"] as? Int == 200)
        #expect((shadow["latency_ms"] as? Double ?? 0) > 0)
        let answers = try #require(record["answers"] as? [String: String])
        #expect(answers["strong"] == "shadow says hi")
        #expect(answers["weak"]?.isEmpty == false)
        #expect((record["models"] as? [String: String]) == ["weak": "weak", "strong": "slow-strong"])
        #expect(ProxyFixture.metric("causal_router_shadow_requests_total", #"outcome="ok""#, in: try proxy.metrics()) == 1)
        // The shadow kept out of the upstream counters and the breaker.
        #expect(ProxyFixture.metric("causal_router_upstream_requests_total", #"upstream="strong",status="200""#, in: try proxy.metrics()) == 0)
    }

    @Test func aFailedShadowIsRecordedNotRetriedAndUnseen() throws {
        let (_, weak) = try ProxyFixture.upstreams()
        let folder = Self.folder()
        let (proxy, recorder) = try ProxyFixture.recordingProxy(
            ProxyFixture.twoTier(strong: try ProxyFixture.deadUpstream(model: "gone"), weak: weak.upstreamJSON),
            recording: RecordingOptions(directory: folder), shadow: ShadowOptions(rate: 1))
        defer { recorder.close(); try? FileManager.default.removeItem(atPath: folder) }
        let response = try proxy.client().chat("What is 2+2?", model: "router-1.0")
        #expect(response.status == 200)
        #expect(response.headers["x-router-failover"] == "0")
        let record = try #require(Self.records(recorder, count: 1).first)
        let shadow = try #require(record["shadow"] as? [String: Any])
        #expect(shadow["tier"] as? String == "strong")
        #expect((shadow["error"] as? String)?.contains("refused") == true, "\(shadow)")
        #expect(shadow["status"] == nil)
        let metrics = try proxy.metrics()
        #expect(ProxyFixture.metric("causal_router_shadow_requests_total", #"outcome="failed""#, in: metrics) == 1)
        #expect(try proxy.breaker("strong")["consecutive_failures"] as? Int == 0, "a shadow does not touch the breaker")
    }
}
