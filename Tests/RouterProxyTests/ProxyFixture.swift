import HTTPTransport
import Foundation
import RouterCore
import RouterProxy
import RouterServer
import TestSupport
import Testing

/// The real router (SmolLM2 scoring, in-process like the server tests' fixture) shared by the
/// proxy suites, two real llama-server upstreams ("strong" and "weak"), and proxies in front of
/// the shared service on their own ephemeral ports, one per upstream set.
enum ProxyFixture {
    static let root = LlamaServerProcess.root

    private static let shared = Result { () throws -> RouterApplication in
        var options = ServerOptions()
        options.address = .tcp(host: "127.0.0.1", port: 0)
        options.engine = ScoringEngineSettings(parallel: 4, contextLength: 512, maxQueue: 64, threads: 1)
        // A loaded test machine must not turn router-1.0 into a timeout fallback (strong).
        options.defaultTimeoutMs = 120_000
        return try RouterApplication(options: options, locator: ResourceLocator(home: root))
    }

    /// The shared router service, once its model is loaded.
    static func service() throws -> RouterService {
        let application = try shared.get()
        _ = try application.waitUntilLoaded().get()
        return application.service
    }

    private static let upstreamPair = Result { () throws -> (strong: LlamaServerProcess, weak: LlamaServerProcess) in
        (try LlamaServerProcess(alias: "strong"), try LlamaServerProcess(alias: "weak"))
    }

    /// The suites' two llama-server upstreams (started once).
    static func upstreams() throws -> (strong: LlamaServerProcess, weak: LlamaServerProcess) {
        try upstreamPair.get()
    }

    /// A proxy over the shared service (or `service`) with an upstreams file's text, listening on a free port.
    static func proxy(_ upstreamsJSON: String, environment: [String: String] = [:], service: RouterService? = nil) throws -> RunningProxy {
        let config = try UpstreamConfig.parse(Data(upstreamsJSON.utf8), path: "test", environment: environment)
        let proxy = OpenAIProxy(service: try service ?? Self.service(), upstreams: config)
        var limits = HTTPServerLimits()
        limits.idleTimeoutMs = 30_000
        let server = try HTTPServer(address: .tcp(host: "127.0.0.1", port: 0), handler: proxy, limits: limits)
        server.start()
        return RunningProxy(server: server, proxy: proxy)
    }

    /// A proxy whose own service (sharing the loaded model's engine) records to `recording`, with
    /// `shadow`; the test closes the returned writer.
    static func recordingProxy(_ upstreamsJSON: String, recording: RecordingOptions,
                               shadow: ShadowOptions = ShadowOptions()) throws -> (proxy: RunningProxy, recorder: RecordWriter) {
        let shared = try service()
        let recorder = try RecordWriter(options: recording)
        var settings = shared.settings
        settings.recorder = recorder
        let service = RouterService(settings: settings)
        service.becomeReady(try #require(shared.engine))
        let config = try UpstreamConfig.parse(Data(upstreamsJSON.utf8), path: "test")
        let proxy = OpenAIProxy(service: service, upstreams: config, shadow: shadow)
        let server = try HTTPServer(address: .tcp(host: "127.0.0.1", port: 0), handler: proxy, limits: HTTPServerLimits())
        server.start()
        return (RunningProxy(server: server, proxy: proxy), recorder)
    }

    /// A two-tier upstreams file.
    static func twoTier(strong: String, weak: String, extra: String = "") -> String {
        "{\"strong\": \(strong), \"weak\": \(weak)\(extra.isEmpty ? "" : ", " + extra)}"
    }

    /// An upstream entry for a port nothing listens on.
    static func deadUpstream(model: String) throws -> String {
        "{\"base_url\": \"http://127.0.0.1:\(try LlamaServerProcess.freePort())/v1\", \"model\": \"\(model)\"}"
    }

    /// A metric's value from /metrics text (0 when absent); `labels` as written, e.g. `upstream="weak",status="200"`.
    static func metric(_ name: String, _ labels: String = "", in text: String) -> Double {
        MetricsText.value(name, labels, in: text)
    }
}
