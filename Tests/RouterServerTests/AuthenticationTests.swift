@testable import HTTPTransport
import Foundation
import Glibc
import RouterCore
import TestSupport
import Testing
@testable import RouterServer

/// API keys: the key file, the Bearer check, and the real server with the real model behind them.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AuthenticationTests {
    static func keyFile(_ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("keys.txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theKeyFileSkipsCommentsAndBlankLinesAndRefusesNoKeys() throws {
        #expect(try APIKeyFile.parse("# keys\n\nalpha-1\n  beta-2  \n# gamma\n", path: "k") == ["alpha-1", "beta-2"])
        #expect(throws: APIKeyFileError.empty(path: "k")) { try APIKeyFile.parse("# only a comment\n\n", path: "k") }
        #expect(throws: APIKeyFileError.empty(path: "k")) { try APIKeyFile.parse("", path: "k") }
        #expect(throws: APIKeyFileError.malformed(path: "k", line: 2, reason: "a key must not contain whitespace")) {
            try APIKeyFile.parse("ok\nkey = value\n", path: "k")
        }
        #expect(throws: APIKeyFileError.unreadable(path: "/nonexistent/keys")) { try APIKeyFile.load(path: "/nonexistent/keys") }
        let error = APIKeyFileError.malformed(path: "k", line: 2, reason: "a key must not contain whitespace")
        #expect(!error.description.contains("value"), "errors never echo a key")
    }

    @Test func bearerTokensAreCheckedAgainstEveryKey() {
        let authenticator = APIKeyAuthenticator(keys: ["alpha-1", "beta-2"])
        #expect(authenticator.authorizes(authorization: "Bearer alpha-1"))
        #expect(authenticator.authorizes(authorization: "bearer beta-2"))
        #expect(authenticator.authorizes(authorization: "  Bearer   beta-2 "))
        #expect(!authenticator.authorizes(authorization: nil))
        #expect(!authenticator.authorizes(authorization: "Bearer"))
        #expect(!authenticator.authorizes(authorization: "Bearer alpha-"))
        #expect(!authenticator.authorizes(authorization: "Bearer alpha-12"))
        #expect(!authenticator.authorizes(authorization: "Basic alpha-1"))
        #expect(!authenticator.authorizes(authorization: "alpha-1"))
        #expect(!"\(authenticator)".contains("alpha"), "the description shows no key")
        #expect(APIKeyAuthenticator.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!APIKeyAuthenticator.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!APIKeyAuthenticator.constantTimeEqual([1, 2], [1, 2, 3]))
    }

    @Test func onlyLoopbackAndUnixAddressesCountAsLocal() {
        for host in ["127.0.0.1", "127.8.9.10", "localhost", "::1", "::ffff:127.0.0.1"] {
            #expect(ListenAddress.tcp(host: host, port: 1).isLocalOnly, "\(host)")
        }
        for host in ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "::ffff:10.0.0.1", "fe80::1", "example.com"] {
            #expect(!ListenAddress.tcp(host: host, port: 1).isLocalOnly, "\(host)")
        }
        #expect(ListenAddress.unix(path: "/tmp/x.sock").isLocalOnly)
    }

    @Test func aNetworkAddressWithoutKeysIsRefusedBeforeBinding() throws {
        for host in ["0.0.0.0", "::"] {
            var options = ServerFixture.options()
            options.address = .tcp(host: host, port: 0)
            #expect {
                _ = try RouterApplication(options: options, locator: ServerFixture.locator)
            } throws: { error in
                guard case ServeError.unauthenticatedNetworkAddress = error else { return false }
                return "\(error)".contains("--api-key-file") && "\(error)".contains("--allow-unauthenticated")
            }
        }
        var empty = ServerFixture.options()
        empty.apiKeyFile = try Self.keyFile("# nothing\n")
        #expect {
            _ = try RouterApplication(options: empty, locator: ServerFixture.locator)
        } throws: { error in
            guard case ServeError.apiKeys(.empty) = error else { return false }
            return true
        }
    }

    @Test func everyEndpointButHealthNeedsAKey() throws {
        var options = ServerFixture.options(parallel: 2)
        options.apiKeyFile = try Self.keyFile("# the sidecar's keys\nsecret-key-one\n\nsecret-key-two\n")
        let application = try RouterApplication(options: options, locator: ServerFixture.locator)
        defer { application.stop(timeout: .seconds(5)) }
        _ = try application.waitUntilLoaded().get()
        let client = try TestHTTPClient(port: ServerFixture.port(application))
        let right = ["Authorization": "Bearer secret-key-two"]

        #expect(try client.request("GET", "/healthz").status == 200, "health is open")
        let missing = try client.request("GET", "/v1/config")
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"] == "Bearer")
        let error = try #require(try missing.json()["error"] as? [String: Any])
        #expect(error["type"] as? String == "authentication_error")
        #expect((error["message"] as? String)?.isEmpty == false)
        let wrong = try client.request("POST", "/v1/route", body: #"{"query": "hi"}"#, headers: ["Authorization": "Bearer secret-key-on"])
        #expect(wrong.status == 401)
        #expect(!wrong.text.contains("secret"), "errors never echo a key")
        #expect(try client.request("GET", "/metrics").status == 401, "metrics are behind the key by default")
        #expect(try client.request("GET", "/nowhere").status == 401, "unknown paths do not tell what exists")

        let config = try client.request("GET", "/v1/config", headers: right)
        #expect(config.status == 200)
        #expect(!config.text.contains("secret"), "the config shows no key")
        #expect(try config.json()["authentication"] as? String == "bearer")
        let routed = try client.request("POST", "/v1/route", body: #"{"query": "What is 2+2?", "timeout_ms": 120000}"#,
                                        headers: ["Authorization": "Bearer secret-key-one"])
        #expect(routed.status == 200)
        #expect(try routed.json()["fallback"] as? Bool == false)
        let metrics = try client.request("GET", "/metrics", headers: right)
        #expect(metrics.status == 200)
        #expect(ServerFixture.metric("causal_router_unauthorized_total", in: metrics.text) == 4)
        #expect(!metrics.text.contains("secret"))
    }

    @Test func publicMetricsOpensOnlyMetrics() throws {
        var settings = ServiceSettings(config: try RoutingConfig(), modelPath: "m", templateName: "rating",
                                       engine: ScoringEngineSettings(), limits: HTTPServerLimits(),
                                       authenticator: APIKeyAuthenticator(keys: ["k1"]), publicMetrics: true)
        settings.defaultTimeoutMs = 100
        let server = try HTTPServer(address: .tcp(host: "127.0.0.1", port: 0), handler: RouterService(settings: settings))
        server.start()
        defer { server.shutdown(timeout: .seconds(5)) }
        guard case .tcp(_, let port) = server.address else { Issue.record("not TCP"); return }
        let client = try TestHTTPClient(port: port)
        #expect(try client.request("GET", "/metrics").status == 200)
        #expect(try client.request("GET", "/v1/config").status == 401)
        #expect(try client.request("GET", "/v1/config", headers: ["Authorization": "Bearer k1"]).status == 200)
    }
}
