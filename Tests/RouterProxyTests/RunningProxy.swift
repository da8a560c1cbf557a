import HTTPTransport
import RouterProxy
import RouterServer
import TestSupport

/// A proxy listening for one test; stops when released.
final class RunningProxy: @unchecked Sendable {
    let server: HTTPServer
    let proxy: OpenAIProxy

    init(server: HTTPServer, proxy: OpenAIProxy) {
        self.server = server
        self.proxy = proxy
    }

    deinit {
        _ = server.shutdown(timeout: .seconds(5))
    }

    var port: Int {
        guard case .tcp(_, let port) = server.address else { return 0 }
        return port
    }

    func client() throws -> TestHTTPClient { try TestHTTPClient(port: port) }

    func metrics() throws -> String { try client().request("GET", "/metrics").text }

    /// One upstream's breaker object from /v1/config.
    func breaker(_ tier: String) throws -> [String: Any] {
        let config = try client().request("GET", "/v1/config").json()
        let tiers = (config["upstreams"] as? [String: Any])?["tiers"] as? [[String: Any]] ?? []
        return tiers.first { $0["name"] as? String == tier }?["breaker"] as? [String: Any] ?? [:]
    }
}
