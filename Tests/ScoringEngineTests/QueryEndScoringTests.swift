import Foundation
import LlamaKit
import RouterCore
import TestSupport
import Testing

/// A head that reads at the query's end (`FeaturePosition.queryEnd`) with the real model: the
/// template's suffix is never decoded, the engine at parallel 4 and one query at a time (as
/// `route` scores) agree bit for bit, and the features are those of the query's own tokens.
@Suite(.serialized) struct QueryEndScoringTests {
    /// A head over block 6 pooled, the final state and the logits, all read at the query's end,
    /// with small fixed weights (the test is about where features come from, not their quality).
    static func head(_ features: HeadFeatures = HeadFeatures(pooledBlocks: [6], finalState: true, labelLogits: true,
                                                            position: .queryEnd)) -> LabelHead {
        let size = features.size(embeddingSize: 576)
        let weights: [[Float]] = (0..<5).map { (k: Int) -> [Float] in
            (0..<size).map { (j: Int) -> Float in
                let step: Int = (j * 7 + k * 13) % 17
                return Float(step - 8) / 400
            }
        }
        return LabelHead(name: "query-end", identity: ScoringIdentity(modelSHA256: "m", templateSHA256: "t"), target: .strongBetter,
                         features: features, featureSize: size, mean: Array(repeating: 0, count: size),
                         scale: Array(repeating: 1, count: size), weights: weights, bias: [0, 0, 0, 0, 0])
    }

    @Test(.timeLimit(.minutes(10)))
    func noSuffixIsDecodedAndTheEngineAgreesAtAnyParallel() throws {
        let head = Self.head()
        let engine = try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(),
                                              settings: ScoringEngineSettings(parallel: 4, maxQueue: 64, threads: 2, head: head))
        defer { engine.shutdown() }
        let labelEngine = try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(),
                                                   settings: ScoringEngineSettings(parallel: 4, maxQueue: 64, threads: 2,
                                                                                   hiddenState: true, pooledBlocks: [6]))
        defer { labelEngine.shutdown() }
        // Queries that fit the context whole (Arena-Hard's second row does not): without the
        // suffix a truncated query would keep more of itself, and then its tokens differ.
        let queries = try (RepositoryFixture.gsm8kQueries(3) + RepositoryFixture.arenaHardQueries(4)).filter { query throws in
            try !labelEngine.prompt(for: query).truncated
        }
        #expect(queries.count == 6)
        let single = try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(),
                                              settings: ScoringEngineSettings(parallel: 1, maxQueue: 64, threads: 2, head: head))
        defer { single.shutdown() }

        let atEnd = try engine.scoreAll(queries)
        let alone = try queries.map { try single.score($0) }
        let atLabel = try labelEngine.scoreAll(queries)
        BatchInvarianceTests.expectIdentical(atEnd, alone, "query-end head: parallel 4 against one at a time")
        for (index, query) in queries.enumerated() {
            let full = try labelEngine.prompt(for: query)
            let short = try engine.prompt(for: query)
            #expect(!full.suffix.isEmpty && short.suffix.isEmpty && short.query == full.query)
            #expect(atEnd[index].promptTokens == full.tokenCount - full.suffix.count, "the suffix is not decoded")
            #expect(atEnd[index].head == "query-end")
            // The query's own tokens do not see the suffix: their pooled outputs are the same
            // either way; the final state is read at another token.
            let pooled = try #require(atEnd[index].pooledStates)
            let pooledAtLabel = try #require(atLabel[index].pooledStates)
            let largest = zip(pooled, pooledAtLabel).map { abs($0 - $1) }.max() ?? 0
            #expect(largest <= 1e-3 * (pooledAtLabel.map(abs).max() ?? 1), "pooled block 6 moved by \(largest)")
            #expect(atEnd[index].hiddenState != nil && atEnd[index].hiddenState != atLabel[index].hiddenState)
        }
    }

    /// A head of pooled blocks alone (the distilled student's kind) lets every forward pass stop
    /// after its deepest block: no later block, no output layer. Its verdicts are those of the
    /// same head applied to what an engine running the whole pass reads (as `eval` and `train`
    /// extract features), bit for bit; a head that needs the logits cannot replace it live.
    @Test(.timeLimit(.minutes(10)))
    func aHeadOfPooledBlocksStopsThePassAfterItsDeepestBlock() throws {
        let head = Self.head(HeadFeatures(pooledBlocks: [3, 6], finalState: false, labelLogits: false, position: .queryEnd))
        let settings = ScoringEngineSettings(parallel: 1, maxQueue: 64, threads: 2, head: head)
        #expect(settings.stopsAfterPooledBlocks)
        let stopping = try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(), settings: settings)
        defer { stopping.shutdown() }
        var whole = ScoringEngineSettings(parallel: 1, maxQueue: 64, threads: 2, hiddenState: true, pooledBlocks: [3, 6])
        whole.endsAtQuery = true
        #expect(!whole.stopsAfterPooledBlocks && !ScoringEngineSettings(threads: 2, head: Self.head()).stopsAfterPooledBlocks)
        let extracting = try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(), settings: whole)
        defer { extracting.shutdown() }
        for query in try RepositoryFixture.gsm8kQueries(2) + RepositoryFixture.arenaHardQueries(2) + ["hi", "What is 2+2?"] {
            let verdict = try stopping.score(query)
            let features = try extracting.score(query)
            #expect(verdict.labelLogits == nil && features.labelLogits != nil)
            #expect(verdict.pooledStates == features.pooledStates, "pooled blocks differ for \(query.prefix(40))")
            #expect(verdict.distribution == head.apply(to: features).distribution, "verdict differs for \(query.prefix(40))")
        }
        #expect(throws: RouterError.self) { try stopping.replaceHead(Self.head(HeadFeatures(pooledBlocks: [3], finalState: false,
                                                                                          labelLogits: true, position: .queryEnd))) }
        try stopping.replaceHead(Self.head(HeadFeatures(pooledBlocks: [6], finalState: false, labelLogits: false, position: .queryEnd)))
        #expect(try stopping.score("hi").head == "query-end")
    }
}
