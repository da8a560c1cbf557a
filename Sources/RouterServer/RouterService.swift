import Dispatch
import Foundation
import RouterCore

/// The sidecar's endpoints over a `BatchedScoringEngine`:
/// `POST /v1/route`, `POST /v1/route/batch`, `GET /healthz`, `GET /v1/config`, `GET /metrics`.
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
        case ready(BatchedScoringEngine)
        case failed(String)
    }

    public let settings: ServiceSettings
    private let status = Lock(Status.loading)
    private let metrics = RouterMetrics()
    /// Distributions of recently scored queries; kept across config reloads (they do not depend
    /// on the config; the model, template and head are fixed for the service's life).
    private let verdictCache: VerdictCache
    /// The routing config in force; replaced whole by `replaceConfig` (SIGHUP). A request reads it
    /// once, so one being answered during a reload keeps the config it started with.
    private let liveConfig: Lock<RoutingConfig>
    private let serverStatistics = Lock<(@Sendable () -> HTTPServerStatistics)?>(nil)

    public init(settings: ServiceSettings) {
        self.settings = settings
        self.liveConfig = Lock(settings.config)
        self.verdictCache = VerdictCache(capacity: settings.verdictCacheEntries, timeToLive: settings.verdictCacheTimeToLive)
    }

    /// The verdict cache's hits, misses and entries.
    public var verdictCacheStatistics: VerdictCacheStatistics { verdictCache.statistics }

    /// The routing config in force.
    public var config: RoutingConfig { liveConfig.withLock { $0 } }

    /// Swaps the routing config atomically; requests already answering keep theirs.
    public func replaceConfig(_ config: RoutingConfig) {
        liveConfig.withLock { $0 = config }
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
    public func becomeReady(_ engine: BatchedScoringEngine) {
        status.withLock { $0 = .ready(engine) }
    }

    /// Loading failed: health reports it, routes get 503.
    public func fail(_ message: String) {
        status.withLock { $0 = .failed(message) }
    }

    public var engine: BatchedScoringEngine? {
        status.withLock { if case .ready(let engine) = $0 { engine } else { nil } }
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        handle(request, extending: nil)
    }

    /// Answers a request as `handle` does, with a handler in front's additions to `/v1/config`
    /// and `/metrics` (the proxy's upstreams and breakers).
    public func handle(_ request: HTTPRequest, extending serviceExtension: ServiceExtension?) -> HTTPResponse {
        countingInFlight {
            let start = request.receivedAt
            let response = authorize(request) ?? respond(to: request, receivedAt: start, extending: serviceExtension)
            metrics.recordRequest(path: request.path, status: response.status, seconds: (ContinuousClock.now - start).milliseconds / 1000)
            return response
        }
    }

    /// Runs `work` counted in the requests-in-flight gauge: for requests a handler in front of
    /// this service answers itself (the proxy's forwarded completions).
    public func countingInFlight<T>(_ work: () throws -> T) rethrows -> T {
        metrics.requestStarted()
        defer { metrics.requestFinished() }
        return try work()
    }

    /// nil when the request may go on; else the 401 it gets (counted in /metrics), for handlers
    /// in front of this service.
    public func refusal(for request: HTTPRequest) -> HTTPResponse? {
        authorize(request)
    }

    /// nil when the request may go on; else the 401 it gets. `/healthz` is always open, and
    /// `/metrics` with `publicMetrics`.
    private func authorize(_ request: HTTPRequest) -> HTTPResponse? {
        guard let authenticator = settings.authenticator else { return nil }
        if request.path == "/healthz" || (request.path == "/metrics" && settings.publicMetrics) { return nil }
        if authenticator.authorizes(authorization: request.header("Authorization")) { return nil }
        metrics.recordUnauthorized()
        var response = HTTPResponse.error(401, request.header("Authorization") == nil
                                              ? "missing API key: send Authorization: Bearer <key>"
                                              : "invalid API key", type: "authentication_error")
        response.extraHeaders.append(("WWW-Authenticate", "Bearer"))
        return response
    }

    private static let methods: [String: String] = [
        "/v1/route": "POST", "/v1/route/batch": "POST", "/healthz": "GET", "/v1/config": "GET", "/metrics": "GET",
    ]

    private func respond(to request: HTTPRequest, receivedAt: ContinuousClock.Instant, extending serviceExtension: ServiceExtension?) -> HTTPResponse {
        guard let method = Self.methods[request.path] else {
            return .error(404, "no endpoint \(request.path); see GET /v1/config", type: "not_found")
        }
        guard request.method == method || (method == "GET" && request.method == "HEAD") else {
            var response = HTTPResponse.error(405, "\(request.path) takes \(method)", type: "method_not_allowed")
            response.extraHeaders.append(("Allow", method))
            return response
        }
        switch request.path {
        case "/healthz": return health()
        case "/v1/config": return .json(200, configuration(extending: serviceExtension).serialized)
        case "/metrics":
            let extra = serviceExtension?.metricsText() ?? ""
            return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4",
                                body: Array((metrics.render(engine: engine, ready: engine != nil,
                                                            server: serverStatistics.withLock { $0 }?(),
                                                            verdictCache: verdictCache.statistics) + extra).utf8))
        default:
            guard let engine else {
                return .error(503, "the scoring model is not ready; see GET /healthz", type: "unavailable")
            }
            do {
                return request.path == "/v1/route"
                    ? try route(request.body, engine: engine, receivedAt: receivedAt)
                    : try routeBatch(request.body, engine: engine, receivedAt: receivedAt)
            } catch {
                return .error(400, error.message, type: "invalid_request_error")
            }
        }
    }

    private func health() -> HTTPResponse {
        switch status.withLock({ $0 }) {
        case .ready: return .json(200, #"{"status":"ok"}"#)
        case .loading: return .json(503, #"{"status":"loading"}"#)
        case .failed(let message):
            return .json(503, JSONValue.object([("status", .string("failed")), ("message", .string(message))]).serialized)
        }
    }

    private func configuration(extending serviceExtension: ServiceExtension?) -> JSONValue {
        let c = config
        return .object([
            ("model", .string(settings.modelPath)),
            ("template", .string(settings.templateName)),
            ("head", settings.engine.head.map { .string($0.name) } ?? .null),
            ("strong_model", .string(c.strongModel)),
            ("weak_model", .string(c.weakModel)),
            ("threshold", .number(c.threshold)),
            ("fallback_route", .string(c.fallbackRoute.rawValue)),
            ("ood_route", .string(c.oodRoute.rawValue)),
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
            ])),
            ("authentication", .string(settings.authenticator == nil ? "none" : "bearer")),
            ("public_metrics", .bool(settings.authenticator == nil || settings.publicMetrics)),
        ] + (serviceExtension?.configFields() ?? []))
    }

    // MARK: - Routing

    /// The routing decision for a request body holding `"messages"` (an OpenAI chat request as is)
    /// or `"query"`, with the same deadline and fail-open as `/v1/route`: the config's fallback
    /// route when the query is not scored in time, the queue is full or the model is not loaded.
    /// Counted in /metrics like a verdict.
    public func decide(body: [UInt8], threshold: Double?, receivedAt: ContinuousClock.Instant) throws(RequestRefusal) -> RoutingDecision {
        let config = config(threshold: threshold)
        guard let engine else {
            metrics.recordVerdict(label: nil, route: config.fallbackRoute, fallbackReason: "error")
            return RoutingDecision(route: config.fallbackRoute, strongWinRate: nil, label: nil,
                                   fallbackReason: "loading", threshold: config.threshold)
        }
        let verdict: JSONValue
        do {
            let request = try RouteRequestBody.decodeChecked(body)
            let left = timeLeft(receivedAt, timeoutMs: request.timeoutMs)
            let pending = try submit(request, engine: engine, within: left)
            verdict = self.verdict(for: pending, deadline: deadline(left), config: config, receivedAt: receivedAt)
        } catch {
            throw RequestRefusal(message: error.message)
        }
        guard case .object(let fields) = verdict else { preconditionFailure("a verdict is an object") }
        func field(_ name: String) -> JSONValue? { fields.first { $0.0 == name }?.1 }
        var decision = RoutingDecision(route: config.fallbackRoute, strongWinRate: nil, label: nil, fallbackReason: nil,
                                       threshold: config.threshold)
        if case .string(let route)? = field("route"), let parsed = Route(rawValue: route) { decision.route = parsed }
        if case .number(let rate)? = field("strong_win_rate") { decision.strongWinRate = rate }
        if case .int(let label)? = field("label") { decision.label = label }
        if case .string(let reason)? = field("reason") { decision.fallbackReason = reason }
        if case .bool(let cached)? = field("cached") { decision.cached = cached }
        return decision
    }

    private func route(_ body: [UInt8], engine: BatchedScoringEngine, receivedAt: ContinuousClock.Instant) throws(RequestError) -> HTTPResponse {
        let request = try RouteRequestBody.decodeChecked(body)
        let config = config(threshold: request.threshold)
        let left = timeLeft(receivedAt, timeoutMs: request.timeoutMs)
        let pending = try submit(request, engine: engine, within: left)
        return .json(200, verdict(for: pending, deadline: deadline(left), config: config, receivedAt: receivedAt).serialized)
    }

    private func routeBatch(_ body: [UInt8], engine: BatchedScoringEngine, receivedAt: ContinuousClock.Instant) throws(RequestError) -> HTTPResponse {
        let batch = try BatchRequestBody.decodeChecked(body)
        let config = config(threshold: batch.threshold)
        let left = timeLeft(receivedAt, timeoutMs: batch.timeoutMs)
        let deadline = deadline(left)
        var pending: [Pending] = []
        for (index, item) in batch.queries.enumerated() {
            do {
                pending.append(try submit(item.body, engine: engine, within: left))
            } catch {
                throw RequestError("\"queries\"[\(index)]: \(error.message)")
            }
        }
        let verdicts = pending.map { verdict(for: $0, deadline: deadline, config: config, receivedAt: receivedAt) }
        return .json(200, JSONValue.object([("verdicts", .array(verdicts))]).serialized)
    }

    /// A query on its way: answered from the verdict cache, queued (with its cache key when the
    /// cache is on), or refused at once.
    private enum Pending {
        case cached(ScoredQuery)
        case queued(ScoringTicket, cacheKey: String?)
        case refused(reason: String)
    }

    /// Looks the query up in the verdict cache, else submits it to the engine, which refuses it
    /// at once when its backlog says it would not be scored within `left` (fail open now, not
    /// at the deadline).
    private func submit(_ request: RouteRequestBody, engine: BatchedScoringEngine, within left: Duration) throws(RequestError) -> Pending {
        let text = try request.queryText(room: engine.promptBuilder.queryRoom, tokenizer: engine.tokenizer)
        var cacheKey: String?
        if verdictCache.isEnabled && !PromptBuilder.normalisedQuery(text).isEmpty {
            let key = VerdictCache.key(query: text)
            if let scored = verdictCache.scored(for: key) { return .cached(scored) }
            cacheKey = key
        }
        do {
            return .queued(try engine.submit(engine.prompt(for: text), within: left), cacheKey: cacheKey)
        } catch .overloaded {
            return .refused(reason: "overloaded")
        } catch .wouldMissDeadline {
            // Not scored by its deadline, known now instead of at the deadline.
            return .refused(reason: "timeout")
        } catch .shuttingDown {
            return .refused(reason: "overloaded")
        } catch {
            throw RequestError(error.description)
        }
    }

    private func verdict(for pending: Pending, deadline: DispatchTime, config: RoutingConfig, receivedAt: ContinuousClock.Instant) -> JSONValue {
        let reason: String
        switch pending {
        case .refused(let why):
            reason = why
        case .cached(let scored):
            return scoredVerdict(scored, cached: true, config: config, receivedAt: receivedAt)
        case .queued(let ticket, let cacheKey):
            switch ticket.wait(until: deadline) {
            case .success(let scored)?:
                if let cacheKey { verdictCache.store(scored, for: cacheKey) }
                return scoredVerdict(scored, cached: false, config: config, receivedAt: receivedAt)
            case .failure(let error)?:
                reason = "error: \(error.description)"
            case nil:
                reason = "timeout"
            }
        }
        let route = config.fallbackRoute
        metrics.recordVerdict(label: nil, route: route, fallbackReason: reason.hasPrefix("error") ? "error" : reason)
        return .object([
            ("model", .string(config.model(for: route))),
            ("route", .string(route.rawValue)),
            ("label", .null),
            ("probabilities", .null),
            ("strong_win_rate", .null),
            ("expected_score", .null),
            ("threshold", .number(config.threshold)),
            ("template", .string(settings.templateName)),
            ("head", settings.engine.head.map { .string($0.name) } ?? .null),
            ("ood_score", .null),
            ("ood", .bool(false)),
            ("latency_ms", .number((ContinuousClock.now - receivedAt).milliseconds)),
            ("truncated", .bool(false)),
            ("prompt_tokens", .null),
            ("fallback", .bool(true)),
            ("cached", .bool(false)),
            ("reason", .string(reason)),
        ])
    }

    /// The verdict for a scored distribution, routed by `config` (counted in /metrics).
    private func scoredVerdict(_ scored: ScoredQuery, cached: Bool, config: RoutingConfig, receivedAt: ContinuousClock.Instant) -> JSONValue {
        let verdict = Verdict(scored: scored, config: config, template: settings.templateName,
                              latencyMs: (ContinuousClock.now - receivedAt).milliseconds)
        metrics.recordVerdict(label: verdict.label, route: verdict.route, fallbackReason: nil)
        if verdict.outOfDistribution { metrics.recordOutOfDistribution() }
        guard case .object(let fields) = verdict.json else { preconditionFailure("a verdict is an object") }
        return .object(fields + [("fallback", .bool(false)), ("cached", .bool(cached))])
    }

    private func config(threshold: Double?) -> RoutingConfig {
        var config = self.config
        if let threshold { config.threshold = threshold }
        return config
    }

    /// The part of the request's deadline (its `timeout_ms`, else the server's) still left now.
    private func timeLeft(_ receivedAt: ContinuousClock.Instant, timeoutMs: Double?) -> Duration {
        let budget = Duration.microseconds(Int64((timeoutMs ?? Double(settings.defaultTimeoutMs)) * 1000))
        return budget - (ContinuousClock.now - receivedAt)
    }

    private func deadline(_ left: Duration) -> DispatchTime {
        let nanoseconds = max(0, left.components.seconds * 1_000_000_000 + left.components.attoseconds / 1_000_000_000)
        return .now() + .nanoseconds(Int(nanoseconds))
    }
}
