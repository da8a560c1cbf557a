import Foundation
import RouterCore
import RouterServer
import TestSupport
import Testing

/// `serve --head`: verdicts come from the shipped learned head and say so.
@Suite(.timeLimit(.minutes(5))) struct HeadServingTests {
    @Test func verdictsAndConfigNameTheHead() throws {
        var options = ServerFixture.options(parallel: 2)
        options.router.headPath = ServerFixture.root + "/models/heads/" + ResourceLocator.defaultHeadFile
        let application = try RouterApplication(options: options, locator: ServerFixture.locator)
        defer { application.stop(timeout: .seconds(5)) }
        _ = try application.waitUntilLoaded().get()
        guard case .tcp(_, let port) = application.server.address else { Issue.record("not TCP"); return }
        let client = try TestHTTPClient(port: port)
        let response = try client.request("POST", "/v1/route", body: #"{"query": "What is 12 times 12?", "timeout_ms": 600000}"#)
        #expect(response.status == 200, "\(response.text)")
        let verdict = try response.json()
        #expect(verdict["head"] as? String == "smollm2-135m-iq4_nl-rating")
        #expect(verdict["fallback"] as? Bool == false)
        let head = try LabelHead.load(path: options.router.headPath!)
        #expect(abs((verdict["threshold"] as? Double ?? -1) - head.threshold) < 1e-12, "the head's threshold")
        let config = try client.request("GET", "/v1/config")
        #expect(config.text.contains("\"head\":\"smollm2-135m-iq4_nl-rating\""))
    }
}
