import Dispatch
import Foundation
import HTTPTransport
import Locking
import RouterCore

/// The sidecar's service over a `ScoringEngine`: its endpoints (`routes`: `POST /v1/route`,
/// `POST /v1/route/batch`, `GET /healthz`, `GET /v1/config`, `GET /metrics`), authentication,
/// metrics and the verdict cache. `serve` answers a request from a route table: this service's,
/// or the proxy's, which adds its own endpoints to it.
///
/// Fail-open: a query not scored by its deadline, or refused by a full queue, gets a fallback
/// verdict at once (the configured fallback route, `"fallback": true` and the reason).
///
/// A query scored within the verdict cache's time to live (`VerdictCache`) is answered from its
/// cached distribution before it reaches the engine (`"cached": true`), routed by the threshold
/// and config of the request at hand.
public final class RouterService: HTTPHandler {
    public enum Status: Sendable {
        case loading
        case ready(ScoringEngine)
        case failed(String)
    }

    public let settings: ServiceSettings
    private let status = Lock(Status.loading)
    let metrics = RouterMetrics()
    /// Distributions of recently scored queries; kept across config reloads (they do not depend
    /// on the config; the model, template and head are fixed for the service's life).
    let verdictCache: VerdictCache
    /// The tier of each recent conversation (session affinity, the proxy's and `/v1/route`'s);
    /// kept across config reloads.
    public let sessions: SessionStore
    /// The routing config in force; replaced whole by `replaceConfig` (SIGHUP). A request reads it
    /// once, so one being answered during a reload keeps the config it started with.
    private let liveConfig: Lock<RoutingConfig>
    private let serverStatistics = Lock<(@Sendable () -> HTTPServerStatistics)?>(nil)
    /// The learned head in force (`settings.engine.head` at start; `replaceHead` swaps it).
    private let liveHead: Lock<LabelHead?>

    public init(settings: ServiceSettings) {
        self.settings = settings
        self.liveConfig = Lock(settings.config)
        self.liveHead = Lock(settings.engine.head)
        self.verdictCache = VerdictCache(capacity: settings.verdictCacheEntries, timeToLive: settings.verdictCacheTimeToLive)
        self.sessions = SessionStore(capacity: settings.sessions, timeToLive: settings.sessionTimeToLive)
        ownRoutes.withLock { $0 = routes() }
    }

    /// The service's endpoints; `extending` adds a handler in front's keys to `/v1/config` and
    /// text to `/metrics` (the proxy's upstreams and breakers). The proxy adds its own endpoints
    /// to this table.
    public func routes(extending serviceExtension: ServiceExtension? = nil) -> RouteTable {
        RouteTable([
            .whole("POST", "/v1/route") { [unowned self] request in
                let id = RequestID.of(request)
                return identified(counted(request) { () throws(RequestError) in try route(request, id: id) }, id)
            },
            .whole("POST", "/v1/route/batch") { [unowned self] request in
                let id = RequestID.of(request)
                return identified(counted(request) { () throws(RequestError) in try routeBatch(request, id: id) }, id)
            },
            .whole("GET", "/healthz") { [unowned self] request in counted(request) { health() } },
            .whole("GET", "/v1/config") { [unowned self] request in
                counted(request) { .json(200, configuration(extending: serviceExtension).serialized) }
            },
            .whole("GET", "/metrics") { [unowned self] request in
                counted(request) { metricsText(extending: serviceExtension) }
            },
        ])
    }

    /// `routes()`, built once the service exists (its endpoints refer to it).
    private let ownRoutes = Lock(RouteTable())

    /// The routing config in force.
    public var config: RoutingConfig { liveConfig.withLock { $0 } }

    /// Swaps the routing config atomically; requests already answering keep theirs.
    public func replaceConfig(_ config: RoutingConfig) {
        liveConfig.withLock { $0 = config }
    }

    /// The learned head in force (nil: zero-shot).
    public var head: LabelHead? { liveHead.withLock { $0 } }

    /// Swaps the learned head (SIGHUP) together with the config that goes with it (its
    /// threshold): queries queued from now on are scored by it, those in flight finish with the
    /// old one, and the verdict cache is emptied (its distributions came from the old head).
    /// Refused while the model loads, or when the engine cannot serve the head (`ScoringEngine.
    /// replaceHead`); the head in force then stays.
    public func replaceHead(_ head: LabelHead?, config: RoutingConfig) throws(RouterError) {
        guard let engine else { throw .headInvalid(path: head?.name ?? "none", reason: "the model is still loading; send SIGHUP again once it is ready") }
        try engine.replaceHead(head)
        liveHead.withLock { $0 = head }
        replaceConfig(config)
        verdictCache.removeAll()
    }

    /// Counts a head file re-read for /metrics: `swapped`, `unchanged` or `refused`.
    public func recordHeadReload(_ result: String) {
        metrics.recordHeadReload(result)
    }

    /// Counts a config reload for /metrics.
    public func recordConfigReload(succeeded: Bool) {
        metrics.recordConfigReload(succeeded: succeeded)
    }

    /// Where /metrics reads the connection layer's figures.
    public func reportServerStatistics(from provider: @escaping @Sendable () -> HTTPServerStatistics) {
        serverStatistics.withLock { $0 = provider }
    }

    /// The engine is loaded: start answering.
    public func becomeReady(_ engine: ScoringEngine) {
        status.withLock { $0 = .ready(engine) }
    }

    /// Loading failed: health reports it, routes get 503.
    public func fail(_ message: String) {
        status.withLock { $0 = .failed(message) }
    }

    public var engine: ScoringEngine? {
        status.withLock { if case .ready(let engine) = $0 { engine } else { nil } }
    }

    public func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        serve(request, writer: writer, routes: ownRoutes.withLock { $0 })
    }

    /// Answers `request` from `routes`, counted in the requests-in-flight gauge: 401 without a
    /// valid key (before the path is looked at, so an unauthenticated client learns nothing of
    /// the endpoints), 404 or 405 from the table, else the endpoint's answer. The service counts
    /// its refusals in /metrics; each endpoint counts its own answers.
    public func serve(_ request: HTTPRequest, writer: HTTPResponseWriter, routes: RouteTable) {
        metrics.requestStarted()
        defer { metrics.requestFinished() }
        let refusal: any HTTPResponseError
        if let unauthorized = authorize(request) {
            metrics.recordUnauthorized()
            refusal = unauthorized
        } else {
            switch routes.endpoint(for: request) {
            case .success(let endpoint):
                endpoint.respond(request, writer)
                return
            case .failure(let error):
                refusal = error
            }
        }
        let response = refusal.response
        record(request, path: routes.paths.contains(request.path) ? request.path : "other", status: response.status)
        writer.send(response)
    }

    /// nil when the request may go on, else why not. `/healthz` is always open, and `/metrics`
    /// with `publicMetrics`.
    private func authorize(_ request: HTTPRequest) -> ServiceError? {
        guard let authenticator = settings.authenticator else { return nil }
        if request.path == "/healthz" || (request.path == "/metrics" && settings.publicMetrics) { return nil }
        if authenticator.authorizes(authorization: request.header("Authorization")) { return nil }
        return request.header("Authorization") == nil ? .missingAPIKey : .invalidAPIKey
    }

    /// An endpoint's answer (or the refusal it threw), counted in /metrics.
    private func counted<E: HTTPResponseError>(_ request: HTTPRequest, _ answer: () throws(E) -> HTTPResponse) -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try answer()
        } catch {
            response = error.response
        }
        record(request, path: request.path, status: response.status)
        return response
    }

    /// The answer with its `X-Router-Request-Id`.
    private func identified(_ response: HTTPResponse, _ id: String) -> HTTPResponse {
        var response = response
        response.extraHeaders.append((RequestID.header, id))
        return response
    }

    private func counted(_ request: HTTPRequest, _ answer: () -> HTTPResponse) -> HTTPResponse {
        counted(request) { () throws(ServiceError) in answer() }
    }

    private func record(_ request: HTTPRequest, path: String, status: Int) {
        metrics.recordRequest(path: path, status: status, seconds: (ContinuousClock.now - request.receivedAt).milliseconds / 1000)
    }

    private func health() -> HTTPResponse {
        switch status.withLock({ $0 }) {
        case .ready: return .json(200, #"{"status":"ok"}"#)
        case .loading: return .json(503, #"{"status":"loading"}"#)
        case .failed(let message):
            return .json(503, JSONValue.object([("status", .string("failed")), ("message", .string(message))]).serialized)
        }
    }

    private func metricsText(extending serviceExtension: ServiceExtension?) -> HTTPResponse {
        let text = metrics.render(engine: engine, ready: engine != nil, server: serverStatistics.withLock { $0 }?(),
                                  verdictCache: verdictCache.statistics)
            + sessions.metricsText + (settings.recorder?.metricsText() ?? "") + (serviceExtension?.metricsText() ?? "")
        return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4", body: Array(text.utf8))
    }

    private func configuration(extending serviceExtension: ServiceExtension?) -> JSONValue {
        let c = config
        return .object([
            ("model", .string(settings.modelPath)),
            ("template", .string(settings.templateName)),
            ("head", head.map { .string($0.name) } ?? .null),
            ("head_sha256", head?.fileSHA256.map(JSONValue.string) ?? .null),
            ("strong_model", .string(c.strongModel)),
            ("weak_model", .string(c.weakModel)),
            ("threshold", .number(c.threshold)),
            ("fallback_route", .string(c.fallbackRoute.rawValue)),
            ("ood_route", .string(c.oodRoute.rawValue)),
            ("session_upgrade_margin", .number(c.sessionPolicy.upgradeMargin)),
            ("session_allow_downgrade", .bool(c.sessionPolicy.allowDowngrade)),
            ("fallback_model", .string(c.model(for: c.fallbackRoute))),
            ("limits", .object([
                ("parallel", .int(settings.engine.parallel)),
                ("ctx", .int(settings.engine.contextLength)),
                ("batch_size", .int(settings.engine.batchSize)),
                ("max_queue", .int(settings.engine.maxQueue)),
                ("default_timeout_ms", .int(settings.defaultTimeoutMs)),
                ("max_body_bytes", .int(settings.limits.maxBodyBytes)),
                ("max_batch_queries", .int(BatchRequestBody.maxQueries)),
                ("verdict_cache_entries", .int(verdictCache.capacity)),
                ("verdict_cache_ttl_s", .number(Double(verdictCache.timeToLive.components.seconds))),
                ("sessions", .int(sessions.capacity)),
                ("session_ttl_s", .number(Double(sessions.timeToLive.components.seconds))),
            ])),
            ("authentication", .string(settings.authenticator == nil ? "none" : "bearer")),
            ("public_metrics", .bool(settings.authenticator == nil || settings.publicMetrics)),
        ] + (serviceExtension?.configFields() ?? []))
    }

}
