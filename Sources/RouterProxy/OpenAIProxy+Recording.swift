import Foundation
import HTTPTransport
import RouterCore
import RouterServer

/// `serve --record`'s records of proxied requests, and `--shadow-rate`'s shadow answers: made on
/// the worker once the client's answer is complete, handed to the record writer (never waited
/// for); a sampled routed chat request is first sent to the tier the router did not choose, on
/// a shadow thread, and its record written when that answer is in or has failed.
extension OpenAIProxy {
    func record(_ exchange: RecordedExchange, request: HTTPRequest, completion: ProxiedCompletion, table: ProxyRoutingTable,
                recorder: RecordWriter) {
        let upstreams = table.upstreams
        let routedTier = upstreams.tiers[exchange.routed]
        var record = RequestRecord(id: exchange.id, request: request, status: exchange.answered?.answer.status ?? exchange.status ?? 502)
        record.query = exchange.query
        record.body = request.body
        record.verdict = exchange.headers.verdict
        record.latency.scoringMs = exchange.headers.verdict?.latencyMs
        record.tier = routedTier.name
        record.failover = exchange.failover
        if let (index, answer) = exchange.answered {
            let tier = upstreams.tiers[index]
            record.answeredBy = tier.name
            record.latency.firstByteMs = answer.firstByteMs
            record.latency.totalMs = answer.totalMs
            record.promptTokens = answer.usage?.promptTokens
            record.completionTokens = answer.usage?.completionTokens
            record.models = [(tier.name, tier.upstream.model)]
            if let text = answer.text { record.answers = [(tier.name, text)] }
        }
        guard shadows.sampled(), case .routed = completion.choice, completion.kind == .chat,
              let (index, answer) = exchange.answered, index == exchange.routed, !exchange.failover,
              answer.complete, (200..<300).contains(answer.status) else {
            recorder.submit(record)
            return
        }
        let shadowIndex = upstreams.failoverIndex(after: index)
        let breaker = table.breakers[shadowIndex].snapshot()
        guard breaker.phase == .closed, breaker.retryInMs == 0 else {
            metrics.recordShadow("skipped")
            recorder.submit(record)
            return
        }
        let tier = upstreams.tiers[shadowIndex]
        let shadowRequest = UpstreamRequest(url: tier.upstream.url(completion.kind.upstreamPath),
                                            body: completion.shadowBody(model: tier.upstream.model), apiKey: tier.upstream.apiKey?.value,
                                            acceptsEventStream: false, timeouts: upstreams.timeouts)
        let unshadowed = record
        let started = shadows.start { [self] in
            recorder.submit(shadowed(unshadowed, request: shadowRequest, tier: tier, answers: recorder.options.answers))
        }
        if !started {
            metrics.recordShadow("skipped")
            recorder.submit(record)
        }
    }

    /// The record with the shadow tier's answer: asked for whole (not streamed), never retried,
    /// and kept out of the breakers and the upstream metrics (only shadow_requests_total counts it).
    private func shadowed(_ record: RequestRecord, request: UpstreamRequest, tier: ProxyTier, answers: Bool) -> RequestRecord {
        var record = record
        let started = ContinuousClock.now
        let result = client.exchange(request, isAbandoned: { [shadows] in shadows.isStopping })
        var shadow = ShadowRecord(tier: tier.name, latencyMs: (ContinuousClock.now - started).milliseconds)
        switch result {
        case .success(let reply):
            shadow.status = reply.head.status
            let usage = TokenUsage(json: reply.body)
            shadow.promptTokens = usage?.promptTokens
            shadow.completionTokens = usage?.completionTokens
            record.models.append((tier.name, tier.upstream.model))
            if (200..<300).contains(reply.head.status) {
                metrics.recordShadow("ok")
                if answers, let text = AnswerText.ofAnswer(reply.body) { record.answers.append((tier.name, text)) }
            } else {
                metrics.recordShadow("failed")
            }
        case .failure(.clientGone):
            shadow.error = "the server shut down before the shadow answer came"
            metrics.recordShadow("failed")
        case .failure(let failure):
            shadow.error = failure.description
            metrics.recordShadow("failed")
        }
        record.shadow = shadow
        return record
    }
}
