import Foundation
import LlamaKit
import RouterCore
import TestSupport
import Testing

/// Batch-invariant scoring (the default): the same query gets bit for bit the same scores at
/// parallel 1 and 16, run after run, and one query at a time (as `route` scores).
@Suite(.serialized) struct BatchInvarianceTests {
    /// 12 GSM8K questions, 11 short Arena-Hard prompts and one (row 29) longer than the context
    /// and than one 128-token decode, so it is truncated and decoded in several chunks.
    static func queries() throws -> [String] {
        try RepositoryFixture.gsm8kQueries(12) + RepositoryFixture.arenaHardQueries(11) + [RepositoryFixture.arenaHardQueries(29).last!]
    }

    static func engine(parallel: Int, head: LabelHead?, pooledBlocks: [Int] = []) throws -> ScoringEngine {
        try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(),
                                 settings: ScoringEngineSettings(parallel: parallel, maxQueue: 64, threads: 2,
                                                                 pooledBlocks: pooledBlocks, head: head))
    }

    /// Every field a verdict or a head reads, compared exactly.
    static func expectIdentical(_ a: [ScoredQuery], _ b: [ScoredQuery], _ what: String) {
        #expect(a.count == b.count)
        var differing = 0, largest = 0.0
        for (x, y) in zip(a, b) where x != y {
            differing += 1
            largest = max(largest, abs(x.distribution.strongWinRate - y.distribution.strongWinRate))
        }
        #expect(differing == 0, "\(what): \(differing) of \(a.count) queries differ, win rates by up to \(largest)")
    }

    @Test(.timeLimit(.minutes(10)))
    func theSameQueriesScoreBitIdenticallyAtAnyParallelTwiceAndOneAtATime() throws {
        let head = try RepositoryFixture.setup.head()
        #expect(head != nil, "the shipped head for the default model and template")
        let queries = try Self.queries()
        var runs: [(String, [ScoredQuery])] = []
        for (name, parallel) in [("parallel 1", 1), ("parallel 16", 16), ("parallel 16 again", 16)] {
            let engine = try Self.engine(parallel: parallel, head: head)
            runs.append((name, try engine.scoreAll(queries)))
            engine.shutdown()
        }
        let single = try Self.engine(parallel: 1, head: head)
        runs.append(("one at a time", try queries.map { try single.score($0) }))
        single.shutdown()

        let reference = runs[0].1
        // Row 29, truncated to the context: 220 tokens after the 164-token prefix, two decodes of
        // at most 128.
        #expect(reference.contains { $0.truncated && $0.promptTokens > 164 + 128 }, "a prompt spans more than one decode")
        #expect(Set(reference.map(\.distribution.label)).count > 1, "the queries are told apart")
        for (name, scored) in runs.dropFirst() { Self.expectIdentical(reference, scored, "\(name) against parallel 1") }
        let threshold = try RepositoryFixture.setup.config(head: head).threshold
        let routes = runs.map { $0.1.map { $0.distribution.strongWinRate >= threshold } }
        #expect(routes.allSatisfy { $0 == routes[0] }, "the same routes everywhere")
    }

    @Test(.timeLimit(.minutes(10)))
    func pooledBlockOutputsAreTheSameAtAnyParallel() throws {
        let blocks = [6, 15]
        let queries = try RepositoryFixture.gsm8kQueries(3) + RepositoryFixture.arenaHardQueries(3) + [RepositoryFixture.arenaHardQueries(29).last!]
        let engine = try Self.engine(parallel: 4, head: nil, pooledBlocks: blocks)
        defer { engine.shutdown() }
        let single = try Self.engine(parallel: 1, head: nil, pooledBlocks: blocks)
        defer { single.shutdown() }
        let batched = try engine.scoreAll(queries)
        let alone = try queries.map { try single.score($0) }
        for a in batched {
            let pooled = try #require(a.pooledStates)
            #expect(pooled.count == blocks.count * 576)
            #expect(pooled.allSatisfy(\.isFinite) && pooled.contains { $0 != 0 })
            #expect(a.head == nil && a.hiddenState == nil)
        }
        Self.expectIdentical(batched, alone, "parallel 4 against one at a time, pooled blocks \(blocks)")
    }

    @Test(.timeLimit(.minutes(10)))
    func continuousBatchingStillAgreesClosely() throws {
        let engine = try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(),
                                              settings: ScoringEngineSettings(parallel: 8, maxQueue: 64, threads: 2, batchInvariant: false))
        defer { engine.shutdown() }
        let invariant = try Self.engine(parallel: 1, head: nil)
        defer { invariant.shutdown() }
        let queries = try RepositoryFixture.gsm8kQueries(8)
        let batched = try engine.scoreAll(queries)
        let alone = try invariant.scoreAll(queries)
        #expect(engine.statistics.snapshot.batchedDecodes > 0, "several queries shared a decode")
        #expect(invariant.statistics.snapshot.batchedDecodes == 0, "one query per decode")
        for (a, b) in zip(batched, alone) {
            // The kernels llama.cpp picks depend on the batch: close, not bit for bit.
            #expect(abs(a.distribution.strongWinRate - b.distribution.strongWinRate) < 0.05)
        }
    }
}
