import Foundation
import Glibc
import TestSupport
import Testing

/// `causal-router serve` as a real process: SIGTERM stops accepting, answers what is in flight,
/// and exits 0.
@Suite(.timeLimit(.minutes(5))) struct GracefulShutdownTests {
    @Test func sigtermAnswersInFlightRequestsAndExitsZero() throws {
        let server = try ServeProcess(["--port", "0", "--threads", "2", "--parallel", "4"])
        try #require(server.waitUntilReady(), "log: \(server.log)")
        let port = try #require(server.port())

        let client = try TestHTTPClient(port: port)
        let queries = try ServerFixture.gsm8kQueries(6).map(ServerFixture.jsonString).joined(separator: ",")
        client.send("POST", "/v1/route/batch", body: "{\"queries\": [\(queries)], \"timeout_ms\": 120000}")
        // Wait until the batch is being handled: the in-flight gauge counts it and the /metrics
        // request that reads the gauge.
        let observer = try TestHTTPClient(port: port)
        let handling = try waitUntil(.seconds(60), every: .milliseconds(20)) {
            ServerFixture.metric("causal_router_requests_in_flight", in: try observer.request("GET", "/metrics").text) >= 2
        }
        try #require(handling, "the batch request never reached a handler")
        server.signal(SIGTERM)
        // Six queries: scored well inside the server's 30 s drain window even on a loaded machine.
        let response: TestHTTPClient.Response
        do {
            response = try client.readResponse()
        } catch {
            try #require(server.waitForExit(), "serve did not exit within a minute of SIGTERM; log: \(server.log)")
            Issue.record("no answer to the in-flight request (\(error)); exit \(server.process.terminationStatus), log: \(server.log)")
            return
        }
        #expect(response.status == 200)
        let verdicts = try #require(try response.json()["verdicts"] as? [[String: Any]])
        #expect(verdicts.count == 6)
        #expect(verdicts.allSatisfy { $0["fallback"] as? Bool == false }, "in-flight queries were scored, not dropped")
        #expect(response.headers["connection"] == "close")

        try #require(server.waitForExit(), "serve did not exit within a minute of SIGTERM; log: \(server.log)")
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0, "log: \(server.log)")
        #expect(server.log.contains("stopped"))
        #expect(throws: (any Error).self) { try TestHTTPClient(port: port) }
    }
}
