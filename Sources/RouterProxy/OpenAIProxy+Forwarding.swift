import Foundation
import HTTPTransport
import RouterCore
import RouterServer

/// Where a completion is routed, forwarded and failed over: the verdict picks the first tier
/// (`TierChoice`), a tier that fails before anything reached the client is tried once more on
/// its failover tier (`UpstreamConfig.failoverIndex`), each behind its circuit breaker; a
/// streamed answer is relayed as it arrives. A conversation keeps its tier (session affinity,
/// OpenAIProxy+Sessions). With `--record`, the exchange is recorded once the client has its
/// answer (OpenAIProxy+Recording), and a sampled share is shadowed first.
extension OpenAIProxy {
    /// Answers one completion request through `writer`.
    func forward(_ request: HTTPRequest, kind: ProxiedCompletion.Kind, writer: HTTPResponseWriter) {
        let id = RequestID.of(request)
        let table = self.table.withLock { $0 }
        let upstreams = table.upstreams
        let completion: ProxiedCompletion
        var attempts: [Int]
        var headers: RouterHeaders
        var query: String?
        var session: ProxySession?
        do throws(ProxyError) {
            completion = try ProxiedCompletion(kind: kind, body: request.body)
            switch completion.choice {
            case .routed(let threshold):
                let decision: (verdict: Verdict, query: String?)
                do {
                    decision = try service.decision(body: completion.routingBody(original: request.body), threshold: threshold,
                                                    receivedAt: request.receivedAt)
                } catch {
                    throw .invalidRequest(error.message)
                }
                let (first, verdict, routedSession) = try routeSession(completion, request: request, verdict: decision.verdict,
                                                                      freshTier: upstreams.tierChoice.tierIndex(for: decision.verdict),
                                                                      upstreams: upstreams)
                session = routedSession
                attempts = [first, upstreams.failoverIndex(after: first)]
                headers = RouterHeaders(requestID: id, route: upstreams.tiers[first].name, verdict: verdict)
                query = decision.query
            case .named(let model):
                guard let index = upstreams.tierIndex(servingModel: model) else { throw .unknownModel(model) }
                attempts = [index]
                headers = RouterHeaders(requestID: id, route: upstreams.tiers[index].name, verdict: nil)
            }
        } catch {
            var response = error.response
            response.extraHeaders.append((RequestID.header, id))
            finish(request, writer, response)
            return
        }

        let recorder = service.settings.recorder
        var exchange = RecordedExchange(id: id, query: query, headers: headers, routed: attempts[0])
        var failures: [(tier: String, failure: String)] = []
        // total_ms bounds the whole answer: a failover attempt gets only what is left of it.
        let deadline = ContinuousClock.now + .milliseconds(upstreams.timeouts.totalMs)
        for (number, index) in attempts.enumerated() {
            let tier = upstreams.tiers[index]
            if number > 0 { metrics.recordFailover(from: upstreams.tiers[attempts[number - 1]].name, to: tier.name) }
            switch attempt(completion, request: request, tier: index, of: table, headers: headers, failover: number > 0,
                           assemblesText: recorder?.options.answers == true, session: session, deadline: deadline, writer: writer) {
            case .answered(let answer):
                exchange.answered = (index, answer)
                exchange.failover = number > 0
                if let recorder { record(exchange, request: request, completion: completion, table: table, recorder: recorder) }
                return
            case .failed(let failure):
                failures.append((tier.name, failure))
            }
        }
        var response = ProxyError.upstreamsUnavailable(failures).response
        response.extraHeaders = headers.fields(upstream: nil, failover: attempts.count > 1)
        finish(request, writer, response)
        exchange.failover = attempts.count > 1
        exchange.status = response.status
        if let recorder { record(exchange, request: request, completion: completion, table: table, recorder: recorder) }
    }

    private enum AttemptResult {
        /// The client got an answer (or the start of one).
        case answered(UpstreamAnswer)
        /// Nothing reached the client; the next tier may try.
        case failed(String)
    }

    /// One try on one tier. A streamed answer is relayed as it arrives once the upstream's
    /// status says it is no failure; after that the attempt always counts as answered.
    private func attempt(_ completion: ProxiedCompletion, request http: HTTPRequest, tier index: Int, of table: ProxyRoutingTable,
                         headers: RouterHeaders, failover: Bool, assemblesText: Bool, session: ProxySession?,
                         deadline: ContinuousClock.Instant, writer: HTTPResponseWriter) -> AttemptResult {
        let path = http.path
        let upstreams = table.upstreams
        let tier = upstreams.tiers[index]
        let breaker = table.breakers[index]
        guard let timeouts = upstreams.timeouts.remaining(until: deadline) else {
            metrics.recordUpstream(tier.name, outcome: UpstreamFailure.totalTimeout.metricLabel, seconds: nil)
            return .failed(UpstreamFailure.totalTimeout.description)
        }
        guard breaker.admit() else {
            metrics.recordUpstream(tier.name, outcome: UpstreamFailure.circuitOpen.metricLabel, seconds: nil)
            return .failed(UpstreamFailure.circuitOpen.description)
        }
        let request = UpstreamRequest(url: tier.upstream.url(completion.kind.upstreamPath),
                                      body: completion.upstreamBody(model: tier.upstream.model),
                                      apiKey: tier.upstream.apiKey?.value, acceptsEventStream: completion.stream,
                                      timeouts: timeouts)
        var scanner = ServerSentEventScanner(assemblesAnswer: assemblesText || session != nil)
        var relaying = false
        var pinned = false
        /// Pins the session before the client can read the end of the answer and send its next turn.
        func pin(_ answer: SessionMessage?) {
            guard let session, !pinned else { return }
            pinned = true
            session.pin(answeredBy: tier.name, answer: answer, in: service.sessions)
        }
        var relayedStatus = 0
        var firstByte: ContinuousClock.Instant?
        let answerHeaders = headers.fields(upstream: tier.name, failover: failover)
        let started = ContinuousClock.now
        func answer(status: Int, usage: TokenUsage?, text: String?, complete: Bool) -> UpstreamAnswer {
            UpstreamAnswer(status: status, firstByteMs: firstByte.map { ($0 - http.receivedAt).milliseconds },
                           totalMs: (ContinuousClock.now - http.receivedAt).milliseconds, usage: usage, text: text, complete: complete)
        }
        let result = client.exchange(request, onHead: { head in
            firstByte = ContinuousClock.now
            guard completion.stream, (200..<300).contains(head.status) else { return .collect }
            self.metrics.recordRequest(path: path, status: head.status)
            writer.beginStream(status: head.status, contentType: head.header("Content-Type") ?? "text/event-stream",
                               headers: answerHeaders + [("Cache-Control", "no-cache")])
            relaying = true
            relayedStatus = head.status
            return .relay
        }, onChunk: { bytes in
            scanner.feed(bytes)
            if scanner.sawDone { pin(scanner.answer?.message) }
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
                pin(scanner.answer?.message)
                if !scanner.sawDone { writer.write(Array("data: [DONE]\n\n".utf8)) }
                writer.finish()
                return .answered(answer(status: reply.head.status, usage: scanner.usage, text: assemblesText ? scanner.answer?.text : nil,
                                        complete: true))
            }
            let usage = TokenUsage(json: reply.body)
            recordUsage(usage, tier: tier, twoTier: upstreams.isTwoTier)
            metrics.recordRequest(path: path, status: reply.head.status)
            if session != nil && (200..<300).contains(reply.head.status) { pin(SessionMessage(completionBody: reply.body)) }
            writer.send(HTTPResponse(status: reply.head.status, contentType: reply.head.header("Content-Type") ?? "application/json",
                                     body: reply.body, extraHeaders: answerHeaders))
            // Read after the answer is on its way: recording adds nothing to the client's latency.
            return .answered(answer(status: reply.head.status, usage: usage, text: assemblesText ? AnswerText.ofAnswer(reply.body) : nil,
                                    complete: true))
        case .failure(.clientGone):
            // The client hung up: the exchange was stopped, the upstream did nothing wrong.
            metrics.recordUpstream(tier.name, outcome: UpstreamFailure.clientGone.metricLabel, seconds: seconds)
            breaker.recordAbandoned()
            writer.finish()
            return .answered(answer(status: relaying ? relayedStatus : 499, usage: nil, text: assemblesText && relaying ? scanner.answer?.text : nil,
                                    complete: false))
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
            return .answered(answer(status: relayedStatus, usage: scanner.usage, text: assemblesText ? scanner.answer?.text : nil, complete: false))
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
}
