import Dispatch
import Foundation
import RouterCore
import TestSupport
import Testing

/// The batched, prefix-sharing engine against the real model.
@Suite(.timeLimit(.minutes(10))) struct ScoringEngineQueueTests {
    func engine(parallel: Int = 4, maxQueue: Int = 64, contextLength: Int = 512, batchInvariant: Bool = true) throws -> ScoringEngine {
        try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(),
                                 settings: ScoringEngineSettings(parallel: parallel, contextLength: contextLength, maxQueue: maxQueue,
                                                                 threads: 2, batchInvariant: batchInvariant))
    }

    /// Continuous batching (`batchInvariant: false`); the default path is BatchInvarianceTests'.
    @Test func batchedScoresMatchASingleUnsharedPass() throws {
        let engine = try engine(batchInvariant: false)
        defer { engine.shutdown() }
        let single = try self.engine(parallel: 1)
        defer { single.shutdown() }
        let queries = try RepositoryFixture.gsm8kQueries(6)
        let tickets = try queries.map { try engine.submit(engine.prompt(for: $0)) }
        for (query, ticket) in zip(queries, tickets) {
            let batched = try ticket.wait().get()
            let alone = try single.score(query)
            #expect(batched.promptTokens == alone.promptTokens)
            // ggml picks its matmul kernels by batch shape, so a query decoded after a cached prefix,
            // beside other queries, agrees with one unshared pass to about 1e-2, not bit for bit
            // (often exactly); a wrong position or a mask leaking other sequences moves it far more.
            for (a, b) in zip(batched.distribution.probabilities, alone.distribution.probabilities) {
                #expect(abs(a - b) < 0.03, "batched \(batched.distribution.probabilities) vs single \(alone.distribution.probabilities)")
            }
        }
        let stats = engine.statistics.snapshot
        #expect(stats.completed == 6)
        #expect(stats.batchedDecodes > 0, "several queries shared a decode")
        #expect(stats.tokens < 6 * (engine.prefixLength + 20), "the prefix was not decoded per query")
    }

    @Test func theSameQueryGivesTheSameProbabilitiesAlone() throws {
        let engine = try engine()
        defer { engine.shutdown() }
        let first = try engine.score("What is 12 times 12?")
        let second = try engine.score("What is 12 times 12?")
        #expect(zip(first.distribution.probabilities, second.distribution.probabilities).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func moreQueriesThanSequencesAreAllAnswered() throws {
        let engine = try engine(parallel: 2)
        defer { engine.shutdown() }
        let queries = try RepositoryFixture.gsm8kQueries(9)
        let tickets = try queries.map { try engine.submit(engine.prompt(for: $0)) }
        let results = try tickets.map { try $0.wait().get() }
        #expect(results.count == 9)
        #expect(results.allSatisfy { abs($0.distribution.probabilities.reduce(0, +) - 1) < 1e-9 })
    }

    @Test func aFullQueueRefusesAndAStoppedEngineRefuses() throws {
        let engine = try engine(parallel: 1, maxQueue: 1)
        let prompt = try engine.prompt(for: "A question long enough to take a little while to decode, about sorting algorithms.")
        var tickets: [ScoringTicket] = []
        var refused = 0
        for _ in 0..<8 {
            do { tickets.append(try engine.submit(prompt)) } catch {
                #expect(error == .overloaded(queueLimit: 1))
                refused += 1
            }
        }
        #expect(refused > 0)
        for ticket in tickets { #expect(throws: Never.self) { try ticket.wait().get() } }
        engine.shutdown()
        #expect(throws: RouterError.shuttingDown) { try engine.submit(prompt) }
    }

    @Test func aQueryThatCannotMeetItsBudgetIsRefusedAtOnce() throws {
        let engine = try engine(parallel: 1)
        defer { engine.shutdown() }
        let prompt = try engine.prompt(for: "What is the capital of France?")
        #expect(engine.estimatedSeconds(forNewQueryOf: 10) == nil, "no decode measured yet")
        // Before the engine has measured itself it admits whatever the budget.
        #expect(throws: Never.self) { try engine.submit(prompt, within: .zero).wait().get() }
        let idle = try #require(engine.estimatedSeconds(forNewQueryOf: prompt.query.count + prompt.suffix.count))
        #expect(idle > 0 && idle < 60)
        // Now it knows its rate: no budget is refused before anything is queued ...
        let start = ContinuousClock.now
        #expect(throws: RouterError.self) { try engine.submit(prompt, within: .zero) }
        #expect(ContinuousClock.now - start < .milliseconds(50), "refused without waiting")
        do {
            _ = try engine.submit(prompt, within: .zero)
        } catch {
            guard case .wouldMissDeadline(let estimate, let budget) = error else { Issue.record("\(error)"); return }
            #expect(estimate > 0 && budget == 0)
        }
        // ... and a roomy budget is admitted and scored; queued work raises the estimate.
        let queued = try (0..<4).map { _ in try engine.submit(prompt, within: .seconds(600)) }
        #expect(try #require(engine.estimatedSeconds(forNewQueryOf: 1)) > idle)
        for ticket in queued { #expect(throws: Never.self) { try ticket.wait().get() } }
        // Once the queue has drained the estimate is back to one query's worth.
        let drained = try #require(engine.estimatedSeconds(forNewQueryOf: prompt.query.count + prompt.suffix.count))
        #expect(drained < idle * 3)
    }

    @Test func aWaiterThatGivesUpGetsNothingAndTheEngineGoesOn() throws {
        let engine = try engine()
        defer { engine.shutdown() }
        let ticket = try engine.submit(engine.prompt(for: "Explain quantum entanglement in detail."))
        #expect(ticket.wait(until: .now()) == nil)
        #expect(try engine.score("What is 1+1?").promptTokens > 0)
    }

    @Test func longQueriesAreTruncatedToTheSequenceBudget() throws {
        let engine = try engine(contextLength: 320)
        defer { engine.shutdown() }
        let scored = try engine.score((1...2000).map { "word\($0)" }.joined(separator: " "))
        #expect(scored.truncated)
        #expect(scored.promptTokens == 320)
    }
}

/// The hidden state at the label position comes from the same pass as the label logits.
@Suite(.timeLimit(.minutes(10))) struct HiddenStateTests {
    @Test func hiddenStatesComeWithUnchangedProbabilities() throws {
        let plain = try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(),
                                             settings: ScoringEngineSettings(parallel: 2, contextLength: 512, threads: 2))
        defer { plain.shutdown() }
        let withHidden = try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(),
                                                  settings: ScoringEngineSettings(parallel: 2, contextLength: 512, threads: 2, hiddenState: true))
        defer { withHidden.shutdown() }
        for query in try RepositoryFixture.gsm8kQueries(3) {
            let a = try plain.score(query), b = try withHidden.score(query)
            #expect(a.hiddenState == nil)
            let hidden = try #require(b.hiddenState)
            #expect(hidden.count == 576)
            #expect(hidden.allSatisfy(\.isFinite) && hidden.contains { $0 != 0 })
            #expect(b.labelLogits?.count == 5)
            #expect(zip(a.distribution.probabilities, b.distribution.probabilities).allSatisfy { abs($0 - $1) < 1e-4 })
        }
        let other = try withHidden.score("Write a haiku about autumn.")
        #expect(other.hiddenState != (try withHidden.score("What is 2+2?")).hiddenState, "the state depends on the query")
    }
}
