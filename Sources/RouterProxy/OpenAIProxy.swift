import Foundation
import RouterCore
import RouterServer

/// The OpenAI-compatible proxy in front of `RouterService`: `POST /v1/chat/completions` and
/// `/v1/completions` are routed (model `router` or `router-<threshold>`) or forwarded by model
/// name to an upstream, `GET /v1/models` lists them; every other request goes to the service.
///
/// Runs on the server's worker threads; the upstream exchange (libcurl) never touches the
/// inference thread, which only scores the query. Uptime: an upstream that refuses, times out
/// before its first byte, or answers 5xx/429 before anything reached the client is retried once
/// on the failover tier (`X-Router-Failover: 1`); once bytes reached the client nothing is
/// retried and a failing stream ends with an error event. Each upstream has a circuit breaker.
/// `reload(upstreams:)` (SIGHUP) swaps the upstreams; requests in flight finish on the ones they
/// started with.
public final class OpenAIProxy: HTTPHandler {
    public let service: RouterService
    private let client = UpstreamClient()
    private let table: Lock<ProxyRoutingTable>
    private let metrics: ProxyMetrics

    /// Why the proxy cannot reach any upstream on this machine (libcurl cannot be opened), or nil.
    /// libcurl is opened by this call or the first exchange, never by a router without upstreams.
    public static var transportUnavailability: String? { CurlTransfer.unavailability }

    public init(service: RouterService, upstreams: UpstreamConfig) {
        self.service = service
        self.table = Lock(ProxyRoutingTable(upstreams: upstreams))
        self.metrics = ProxyMetrics(priceUnit: upstreams.isTwoTier ? service.config.prices?.unit.rawValue : nil)
    }

    /// The upstreams in force.
    public var upstreams: UpstreamConfig { table.withLock { $0.upstreams } }

    /// Swaps in new upstreams for the requests that arrive from now on; a tier whose name,
    /// endpoint and breaker policy are unchanged keeps its circuit breaker's state.
    public func reload(upstreams new: UpstreamConfig) {
        table.withLock { $0 = $0.replaced(by: new) }
    }

    /// The proxy's part of the service's `/v1/config` and `/metrics`.
    private var serviceExtension: ServiceExtension {
        ServiceExtension(configFields: { [self] in [("upstreams", configuration())] },
                         metricsText: { [self] in metrics.render(breakers: breakerSnapshots()) })
    }

    static let paths: [String: String] = ["/v1/chat/completions": "POST", "/v1/completions": "POST", "/v1/models": "GET"]

    /// The service's own endpoints, with the proxy's part of `/v1/config` and `/metrics`.
    /// (Proxied paths are answered through `respond(to:writer:)`, which the server calls.)
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        service.handle(request, extending: serviceExtension)
    }

    public func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        guard let method = Self.paths[request.path] else {
            writer.send(handle(request))
            return
        }
        service.countingInFlight { answer(request, method: method, writer: writer) }
    }

    /// A proxied path's answer (counted in the service's in-flight gauge by the caller).
    private func answer(_ request: HTTPRequest, method: String, writer: HTTPResponseWriter) {
        if let refusal = service.refusal(for: request) {
            finish(request, writer, refusal)
            return
        }
        guard request.method == method else {
            var response = HTTPResponse.error(405, "\(request.path) takes \(method)", type: "method_not_allowed")
            response.extraHeaders.append(("Allow", method))
            finish(request, writer, response)
            return
        }
        if request.path == "/v1/models" {
            finish(request, writer, .json(200, models().serialized))
            return
        }
        forward(request, kind: request.path == "/v1/chat/completions" ? .chat : .completion, writer: writer)
    }

    /// Counts the answer, then sends it (counted first, so /metrics read after it includes it).
    private func finish(_ request: HTTPRequest, _ writer: HTTPResponseWriter, _ response: HTTPResponse) {
        metrics.recordRequest(path: request.path, status: response.status)
        writer.send(response)
    }

    // MARK: - Forwarding

    /// Answers one completion request through `writer`.
    private func forward(_ request: HTTPRequest, kind: ProxiedCompletion.Kind, writer: HTTPResponseWriter) {
        let table = self.table.withLock { $0 }
        let upstreams = table.upstreams
        let completion: ProxiedCompletion
        var attempts: [Int]
        var headers: RouterHeaders
        do throws(ProxyError) {
            completion = try ProxiedCompletion(kind: kind, body: request.body)
            switch completion.choice {
            case .routed(let threshold):
                let decision: RoutingDecision
                do {
                    decision = try service.decide(body: completion.routingBody(original: request.body), threshold: threshold,
                                                  receivedAt: request.receivedAt)
                } catch {
                    throw .invalidRequest(error.message)
                }
                let first = upstreams.tierIndex(for: decision)
                attempts = [first, upstreams.failoverIndex(after: first)]
                headers = RouterHeaders(route: upstreams.tiers[first].name, decision: decision)
            case .named(let model):
                guard let index = upstreams.tierIndex(servingModel: model) else { throw .unknownModel(model) }
                attempts = [index]
                headers = RouterHeaders(route: upstreams.tiers[index].name, decision: nil)
            }
        } catch {
            finish(request, writer, error.response)
            return
        }

        var failures: [(tier: String, failure: String)] = []
        for (number, index) in attempts.enumerated() {
            let tier = upstreams.tiers[index]
            if number > 0 { metrics.recordFailover(from: upstreams.tiers[attempts[number - 1]].name, to: tier.name) }
            switch attempt(completion, path: request.path, tier: index, of: table, headers: headers, failover: number > 0,
                           writer: writer) {
            case .answered:
                return
            case .failed(let failure):
                failures.append((tier.name, failure))
            }
        }
        var response = ProxyError.upstreamsUnavailable(failures).response
        response.extraHeaders = headers.fields(upstream: nil, failover: attempts.count > 1)
        finish(request, writer, response)
    }

    private enum AttemptResult {
        /// The client got an answer (or the start of one).
        case answered
        /// Nothing reached the client; the next tier may try.
        case failed(String)
    }

    /// One try on one tier. A streamed answer is relayed as it arrives once the upstream's
    /// status says it is no failure; after that the attempt always counts as answered.
    private func attempt(_ completion: ProxiedCompletion, path: String, tier index: Int, of table: ProxyRoutingTable,
                         headers: RouterHeaders, failover: Bool, writer: HTTPResponseWriter) -> AttemptResult {
        let upstreams = table.upstreams
        let tier = upstreams.tiers[index]
        let breaker = table.breakers[index]
        guard breaker.admit() else {
            metrics.recordUpstream(tier.name, outcome: UpstreamFailure.circuitOpen.metricLabel, seconds: nil)
            return .failed(UpstreamFailure.circuitOpen.description)
        }
        let request = UpstreamRequest(url: tier.upstream.url(completion.kind.upstreamPath),
                                      body: completion.upstreamBody(model: tier.upstream.model),
                                      apiKey: tier.upstream.apiKey?.value, acceptsEventStream: completion.stream,
                                      timeouts: upstreams.timeouts)
        var scanner = ServerSentEventScanner()
        var relaying = false
        let answerHeaders = headers.fields(upstream: tier.name, failover: failover)
        let started = ContinuousClock.now
        let result = client.exchange(request, onHead: { head in
            guard completion.stream, (200..<300).contains(head.status) else { return .collect }
            self.metrics.recordRequest(path: path, status: head.status)
            writer.beginStream(status: head.status, contentType: head.header("Content-Type") ?? "text/event-stream",
                               headers: answerHeaders + [("Cache-Control", "no-cache")])
            relaying = true
            return .relay
        }, onChunk: { bytes in
            scanner.feed(bytes)
            return writer.write(bytes)
        }, isAbandoned: { writer.isClientGone })
        let seconds = (ContinuousClock.now - started).milliseconds / 1000
        switch result {
        case .success(let reply):
            metrics.recordUpstream(tier.name, outcome: String(reply.head.status), seconds: seconds)
            if reply.head.isRetriable && !relaying {
                breaker.recordFailure(retryAfterSeconds: reply.head.status == 429 ? reply.head.retryAfterSeconds : nil)
                return .failed("HTTP \(reply.head.status)")
            }
            breaker.recordSuccess()
            if relaying {
                recordUsage(scanner.usage, tier: tier, twoTier: upstreams.isTwoTier)
                if !scanner.sawDone { writer.write(Array("data: [DONE]\n\n".utf8)) }
                writer.finish()
            } else {
                recordUsage(TokenUsage(json: reply.body), tier: tier, twoTier: upstreams.isTwoTier)
                metrics.recordRequest(path: path, status: reply.head.status)
                writer.send(HTTPResponse(status: reply.head.status, contentType: reply.head.header("Content-Type") ?? "application/json",
                                         body: reply.body, extraHeaders: answerHeaders))
            }
            return .answered
        case .failure(.clientGone):
            // The client hung up: the exchange was stopped, the upstream did nothing wrong.
            metrics.recordUpstream(tier.name, outcome: UpstreamFailure.clientGone.metricLabel, seconds: seconds)
            breaker.recordAbandoned()
            writer.finish()
            return .answered
        case .failure(let failure):
            metrics.recordUpstream(tier.name, outcome: failure.metricLabel, seconds: seconds)
            breaker.recordFailure()
            guard relaying else { return .failed(failure.description) }
            let event = JSONValue.object([("error", .object([
                ("message", .string("the upstream \(tier.name) failed mid-answer: \(failure.description)")),
                ("type", .string("upstream_error")),
            ]))])
            writer.write(Array("data: \(event.serialized)\n\n".utf8))
            writer.finish()
            return .answered
        }
    }

    private func recordUsage(_ usage: TokenUsage?, tier: ProxyTier, twoTier: Bool) {
        if let usage { metrics.recordUsage(tier.name, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens) }
        guard twoTier, let prices = service.config.prices else { return }
        let price = tier.name == "strong" ? prices.strong : prices.weak
        switch prices.unit {
        case .request:
            metrics.recordCost(actual: price, allStrong: prices.strong)
        case .thousandTokens:
            guard let usage else { return }
            let thousands = Double(usage.promptTokens + usage.completionTokens) / 1000
            metrics.recordCost(actual: price * thousands, allStrong: prices.strong * thousands)
        }
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
