import Dispatch
import Foundation
import HTTPTransport
import RouterCore

/// The routing endpoints and `decide` (the proxy's routing): the verdict cache, deadlines and
/// fail-open around the engine. The route itself is decided in RouterCore's `RoutingConfig+Rules`.
extension RouterService {
    /// The verdict for a request body holding `"messages"` (an OpenAI chat request as is) or
    /// `"query"`, with the same deadline and fail-open as `/v1/route`: the config's fallback
    /// route when the query is not scored in time, the queue is full or the model is not loaded.
    /// Counted in /metrics like a verdict.
    public func decide(body: [UInt8], threshold: Double?, receivedAt: ContinuousClock.Instant) throws(RequestError) -> Verdict {
        try decision(body: body, threshold: threshold, receivedAt: receivedAt).verdict
    }

    /// `decide`'s verdict with the text it scored (nil when it scored nothing: the model loading).
    public func decision(body: [UInt8], threshold: Double?,
                         receivedAt: ContinuousClock.Instant) throws(RequestError) -> (verdict: Verdict, query: String?) {
        guard let engine else {
            return (recorded(config(threshold: threshold).fallbackVerdict(
                .loading, template: settings.templateName, head: head,
                latencyMs: (ContinuousClock.now - receivedAt).milliseconds)), nil)
        }
        let request = try RouteRequestBody.decodeChecked(body)
        let scored = try verdicts(for: [request], threshold: threshold, timeoutMs: request.timeoutMs, engine: engine,
                                  receivedAt: receivedAt)[0]
        return (scored.verdict, scored.query)
    }

    /// `POST /v1/route`: one verdict (recorded with `--record`).
    func route(_ http: HTTPRequest, id: String) throws(RequestError) -> HTTPResponse {
        guard let engine else { return ServiceError.notReady.response }
        let request = try RouteRequestBody.decodeChecked(http.body)
        let scored = try verdicts(for: [request], threshold: request.threshold, timeoutMs: request.timeoutMs, engine: engine,
                                  receivedAt: http.receivedAt)[0]
        let verdict = try applyingSession(to: scored.verdict, request: request, http: http)
        if let recorder = settings.recorder {
            var record = RequestRecord(id: id, request: http, status: 200)
            record.query = scored.query
            record.body = http.body
            record.verdict = verdict
            record.latency.scoringMs = verdict.latencyMs
            recorder.submit(record)
        }
        return .json(200, verdict.json.serialized)
    }

    /// `POST /v1/route/batch`: a verdict for each query, in order (with `--record`, a record each,
    /// sharing the request's id, with its `index`).
    func routeBatch(_ http: HTTPRequest, id: String) throws(RequestError) -> HTTPResponse {
        guard let engine else { return ServiceError.notReady.response }
        let batch = try BatchRequestBody.decodeChecked(http.body)
        let verdicts = try verdicts(for: batch.queries.map(\.body), threshold: batch.threshold, timeoutMs: batch.timeoutMs,
                                    engine: engine, receivedAt: http.receivedAt, inBatch: true)
        if let recorder = settings.recorder {
            let base = RequestRecord(id: id, request: http, status: 200)
            for (index, scored) in verdicts.enumerated() {
                var record = base
                record.index = index
                record.query = scored.query
                record.verdict = scored.verdict
                record.latency.scoringMs = scored.verdict.latencyMs
                recorder.submit(record)
            }
        }
        return .json(200, JSONValue.object([("verdicts", .array(verdicts.map(\.verdict.json)))]).serialized)
    }

    /// Verdicts for queries that share a threshold and a deadline: each answered from the verdict
    /// cache or queued (or refused at once), then waited for until the deadline. A query that
    /// cannot be read refuses the whole request (`inBatch`: its error names its index).
    private func verdicts(for requests: [RouteRequestBody], threshold: Double?, timeoutMs: Double?, engine: ScoringEngine,
                          receivedAt: ContinuousClock.Instant,
                          inBatch: Bool = false) throws(RequestError) -> [(query: String, verdict: Verdict)] {
        let config = config(threshold: threshold)
        let left = timeLeft(receivedAt, timeoutMs: timeoutMs)
        let deadline = deadline(left)
        var pending: [(query: String, pending: Pending)] = []
        for (index, request) in requests.enumerated() {
            do {
                pending.append(try submit(request, engine: engine, within: left))
            } catch {
                throw inBatch ? RequestError("\"queries\"[\(index)]: \(error.message)") : error
            }
        }
        return pending.map { ($0.query, verdict(for: $0.pending, deadline: deadline, config: config, receivedAt: receivedAt)) }
    }

    /// A query on its way: answered from the verdict cache, queued (with its cache key when the
    /// cache is on), or refused at once.
    private enum Pending {
        case cached(ScoredQuery)
        case queued(ScoringTicket, cacheKey: String?, cacheGeneration: Int)
        case refused(FallbackReason)
    }

    /// Looks the query up in the verdict cache, else submits it to the engine, which refuses it
    /// at once when its backlog says it would not be scored within `left` (fail open now, not
    /// at the deadline).
    private func submit(_ request: RouteRequestBody, engine: ScoringEngine,
                        within left: Duration) throws(RequestError) -> (query: String, pending: Pending) {
        let text = try request.queryText(room: engine.promptBuilder.queryRoom, tokenizer: engine.tokenizer)
        return (text, try pending(text, engine: engine, within: left))
    }

    private func pending(_ text: String, engine: ScoringEngine, within left: Duration) throws(RequestError) -> Pending {
        var cacheKey: String?
        // Read before the query is queued: a head swap after it empties the cache, and this
        // query (scored by the old head) must then not refill it.
        let generation = verdictCache.generation
        if verdictCache.isEnabled && !PromptBuilder.normalisedQuery(text).isEmpty {
            let key = VerdictCache.key(query: text)
            if let scored = verdictCache.scored(for: key) { return .cached(scored) }
            cacheKey = key
        }
        do {
            return .queued(try engine.submit(engine.prompt(for: text), within: left), cacheKey: cacheKey, cacheGeneration: generation)
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
        case .queued(let ticket, let cacheKey, let generation):
            switch ticket.wait(until: deadline) {
            case .success(let scored)?:
                if let cacheKey { verdictCache.store(scored, for: cacheKey, generation: generation) }
                return recorded(config.verdict(for: scored, template: settings.templateName, latencyMs: latency()))
            case .failure(let error)?:
                reason = .error(error.description)
            case nil:
                reason = .timeout
            }
        }
        return recorded(config.fallbackVerdict(reason, template: settings.templateName, head: head,
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
