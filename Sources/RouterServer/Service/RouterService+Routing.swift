import Dispatch
import Foundation
import HTTPTransport
import RouterCore

/// The routing endpoints and `decide` (the proxy's routing): the verdict cache, deadlines and
/// fail-open around the engine. The route itself is decided in RouterCore's `RoutingConfig+Rules`.
extension RouterService {
    // MARK: - Routing

    /// The verdict for a request body holding `"messages"` (an OpenAI chat request as is) or
    /// `"query"`, with the same deadline and fail-open as `/v1/route`: the config's fallback
    /// route when the query is not scored in time, the queue is full or the model is not loaded.
    /// Counted in /metrics like a verdict.
    public func decide(body: [UInt8], threshold: Double?, receivedAt: ContinuousClock.Instant) throws(RequestError) -> Verdict {
        let config = config(threshold: threshold)
        guard let engine else {
            return recorded(config.fallbackVerdict(.loading, template: settings.templateName, head: settings.engine.head?.name,
                                                   latencyMs: (ContinuousClock.now - receivedAt).milliseconds))
        }
        let request = try RouteRequestBody.decodeChecked(body)
        let left = timeLeft(receivedAt, timeoutMs: request.timeoutMs)
        let pending = try submit(request, engine: engine, within: left)
        return verdict(for: pending, deadline: deadline(left), config: config, receivedAt: receivedAt)
    }

    /// `POST /v1/route`: one verdict.
    func route(_ http: HTTPRequest) throws(RequestError) -> HTTPResponse {
        guard let engine else { return ServiceError.notReady.response }
        let receivedAt = http.receivedAt
        let request = try RouteRequestBody.decodeChecked(http.body)
        let config = config(threshold: request.threshold)
        let left = timeLeft(receivedAt, timeoutMs: request.timeoutMs)
        let pending = try submit(request, engine: engine, within: left)
        return .json(200, verdict(for: pending, deadline: deadline(left), config: config, receivedAt: receivedAt).json.serialized)
    }

    /// `POST /v1/route/batch`: a verdict for each query, in order.
    func routeBatch(_ http: HTTPRequest) throws(RequestError) -> HTTPResponse {
        guard let engine else { return ServiceError.notReady.response }
        let receivedAt = http.receivedAt
        let batch = try BatchRequestBody.decodeChecked(http.body)
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
        let verdicts = pending.map { verdict(for: $0, deadline: deadline, config: config, receivedAt: receivedAt).json }
        return .json(200, JSONValue.object([("verdicts", .array(verdicts))]).serialized)
    }

    /// A query on its way: answered from the verdict cache, queued (with its cache key when the
    /// cache is on), or refused at once.
    private enum Pending {
        case cached(ScoredQuery)
        case queued(ScoringTicket, cacheKey: String?)
        case refused(FallbackReason)
    }

    /// Looks the query up in the verdict cache, else submits it to the engine, which refuses it
    /// at once when its backlog says it would not be scored within `left` (fail open now, not
    /// at the deadline).
    private func submit(_ request: RouteRequestBody, engine: ScoringEngine, within left: Duration) throws(RequestError) -> Pending {
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
            return .refused(.overloaded)
        } catch .wouldMissDeadline {
            // Not scored by its deadline, known now instead of at the deadline.
            return .refused(.timeout)
        } catch .shuttingDown {
            return .refused(.overloaded)
        } catch {
            throw RequestError(error.description)
        }
    }

    /// The verdict for a query on its way, once scored or at `deadline` (counted in /metrics).
    private func verdict(for pending: Pending, deadline: DispatchTime, config: RoutingConfig, receivedAt: ContinuousClock.Instant) -> Verdict {
        func latency() -> Double { (ContinuousClock.now - receivedAt).milliseconds }
        let reason: FallbackReason
        switch pending {
        case .refused(let why):
            reason = why
        case .cached(let scored):
            return recorded(config.verdict(for: scored, cached: true, template: settings.templateName, latencyMs: latency()))
        case .queued(let ticket, let cacheKey):
            switch ticket.wait(until: deadline) {
            case .success(let scored)?:
                if let cacheKey { verdictCache.store(scored, for: cacheKey) }
                return recorded(config.verdict(for: scored, template: settings.templateName, latencyMs: latency()))
            case .failure(let error)?:
                reason = .error(error.description)
            case nil:
                reason = .timeout
            }
        }
        return recorded(config.fallbackVerdict(reason, template: settings.templateName, head: settings.engine.head?.name,
                                               latencyMs: latency()))
    }

    /// Counts `verdict` in /metrics and returns it.
    private func recorded(_ verdict: Verdict) -> Verdict {
        metrics.recordVerdict(verdict)
        return verdict
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
