import Foundation
import HTTPTransport
import Locking
import RouterCore
import RouterServer

/// The OpenAI-compatible proxy in front of `RouterService`: `POST /v1/chat/completions` and
/// `/v1/completions` are routed (model `router` or `router-<threshold>`) or forwarded by model
/// name to an upstream, `GET /v1/models` lists them; the service's endpoints are served too
/// (one route table: the service's, with the proxy's added).
///
/// Runs on the server's worker threads; the upstream exchange (libcurl) never touches the
/// inference thread, which only scores the query. Forwarding and failover are in
/// OpenAIProxy+Forwarding. Uptime: an upstream that refuses, times out
/// before its first byte, or answers 5xx/429 before anything reached the client is retried once
/// on the failover tier (`X-Router-Failover: 1`); once bytes reached the client nothing is
/// retried and a failing stream ends with an error event. Each upstream has a circuit breaker.
/// `reload(upstreams:)` (SIGHUP) swaps the upstreams; requests in flight finish on the ones they
/// started with.
public final class OpenAIProxy: HTTPHandler {
    public let service: RouterService
    let client = UpstreamClient()
    let table: Lock<ProxyRoutingTable>
    let metrics: ProxyMetrics
    /// `--shadow-rate`'s shadow requests (none at rate 0).
    let shadows: ShadowSender
    /// `makeRoutes()`, built once the proxy exists (its endpoints refer to it).
    private let routes = Lock(RouteTable())

    /// Why the proxy cannot reach any upstream on this machine (libcurl cannot be opened), or nil.
    /// libcurl is opened by this call or the first exchange, never by a router without upstreams.
    public static var transportUnavailability: String? { CurlTransfer.unavailability }

    public init(service: RouterService, upstreams: UpstreamConfig, shadow: ShadowOptions = ShadowOptions()) {
        self.service = service
        self.shadows = ShadowSender(options: shadow)
        self.table = Lock(ProxyRoutingTable(upstreams: upstreams))
        self.metrics = ProxyMetrics(priceUnit: upstreams.isTwoTier ? service.config.prices?.unit.rawValue : nil)
        routes.withLock { $0 = makeRoutes() }
    }

    /// The upstreams in force.
    public var upstreams: UpstreamConfig { table.withLock { $0.upstreams } }

    /// Swaps in new upstreams for the requests that arrive from now on; a tier whose name,
    /// endpoint and breaker policy are unchanged keeps its circuit breaker's state.
    public func reload(upstreams new: UpstreamConfig) {
        table.withLock { $0 = $0.replaced(by: new) }
    }

    /// Sends no more shadow requests, makes the running ones give up (their records say so) and
    /// waits for them, at most `timeout`: called before the record writer closes.
    public func stopShadows(timeout: Duration = .seconds(5)) {
        shadows.stop(timeout: timeout)
    }

    /// The proxy's part of the service's `/v1/config` and `/metrics`.
    private var serviceExtension: ServiceExtension {
        ServiceExtension(configFields: { [unowned self] in [("upstreams", configuration())] },
                         metricsText: { [unowned self] in metrics.render(breakers: breakerSnapshots()) })
    }

    /// The service's endpoints with the proxy's: the completions, routed or forwarded by model
    /// name, and the model list.
    private func makeRoutes() -> RouteTable {
        service.routes(extending: serviceExtension).adding([
            Endpoint("POST", "/v1/chat/completions") { [unowned self] request, writer in forward(request, kind: .chat, writer: writer) },
            Endpoint("POST", "/v1/completions") { [unowned self] request, writer in forward(request, kind: .completion, writer: writer) },
            .whole("GET", "/v1/models") { [unowned self] request in
                let response = HTTPResponse.json(200, models().serialized)
                metrics.recordRequest(path: request.path, status: response.status)
                return response
            },
        ])
    }

    /// Every request, the service's endpoints included, is answered from the proxy's table.
    public func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        service.serve(request, writer: writer, routes: routes.withLock { $0 })
    }

    /// Counts the answer, then sends it (counted first, so /metrics read after it includes it).
    func finish(_ request: HTTPRequest, _ writer: HTTPResponseWriter, _ response: HTTPResponse) {
        metrics.recordRequest(path: request.path, status: response.status)
        writer.send(response)
    }

    // MARK: - Listing and state

    private func models() -> JSONValue {
        let upstreams = self.upstreams
        func entry(_ id: String, owner: String) -> JSONValue {
            .object([("id", .string(id)), ("object", .string("model")), ("created", .int(0)), ("owned_by", .string(owner))])
        }
        return .object([
            ("object", .string("list")),
            ("data", .array([entry("router", owner: "causal-router")] + upstreams.tiers.map { entry($0.upstream.model, owner: $0.name) })),
        ])
    }

    private func breakerSnapshots(_ table: ProxyRoutingTable? = nil) -> [(String, BreakerSnapshot)] {
        let table = table ?? self.table.withLock { $0 }
        return zip(table.upstreams.tiers, table.breakers).map { ($0.name, $1.snapshot()) }
    }

    private func configuration() -> JSONValue {
        let table = self.table.withLock { $0 }
        let upstreams = table.upstreams
        let snapshots = breakerSnapshots(table)
        return .object([
            ("form", .string(upstreams.isTwoTier ? "strong_weak" : "tiers")),
            ("tiers", .array(upstreams.tiers.enumerated().map { index, tier in
                .object([
                    ("name", .string(tier.name)),
                    ("base_url", .string(tier.upstream.baseURL)),
                    ("model", .string(tier.upstream.model)),
                    ("api_key_env", tier.upstream.apiKeyVariable.map(JSONValue.string) ?? .null),
                    ("max_strong_win_rate", tier.maxStrongWinRate.map(JSONValue.number) ?? .null),
                    ("breaker", .object([
                        ("state", .string(snapshots[index].1.phase.rawValue)),
                        ("consecutive_failures", .int(snapshots[index].1.consecutiveFailures)),
                        ("cooldown_ms", .int(snapshots[index].1.cooldownMs)),
                        ("retry_in_ms", .int(snapshots[index].1.retryInMs)),
                        ("opened", .int(snapshots[index].1.opened)),
                    ])),
                ])
            })),
            ("timeouts", .object([
                ("connect_ms", .int(upstreams.timeouts.connectMs)),
                ("first_byte_ms", .int(upstreams.timeouts.firstByteMs)),
                ("total_ms", .int(upstreams.timeouts.totalMs)),
            ])),
            ("breaker", .object([
                ("failures", .int(upstreams.breaker.failureThreshold)),
                ("cooldown_ms", .int(upstreams.breaker.cooldownMs)),
                ("max_cooldown_ms", .int(upstreams.breaker.maxCooldownMs)),
            ])),
        ])
    }
}
