import Foundation
import RouterCore

/// Scores a benchmark's prompts with one model and template, through the score cache: only
/// prompts never scored before reach the engine, which is created on first need.
public final class EvaluationScorer {
    public let name: String
    private let cache: ScoreCache
    private let makeEngine: () throws(RouterError) -> BatchedScoringEngine
    private var engine: BatchedScoringEngine?

    public init(name: String, cache: ScoreCache, makeEngine: @escaping () throws(RouterError) -> BatchedScoringEngine) {
        self.name = name
        self.cache = cache
        self.makeEngine = makeEngine
    }

    deinit {
        engine?.shutdown()
    }

    /// The label distributions of `dataset`'s rows (row order) and the mean scoring time per query.
    public func report(for dataset: BenchmarkDataset) throws -> RouterReport {
        let missing = Array(Set(dataset.rows.map(\.prompt).filter { cache[$0] == nil }))
        if !missing.isEmpty {
            let engine = try self.engine ?? makeEngine()
            self.engine = engine
            let start = ContinuousClock.now
            var results: [(prompt: String, probabilities: [Double])] = []
            let window = engine.settings.maxQueue
            var index = 0
            while index < missing.count {
                let chunk = missing[index..<min(missing.count, index + window)]
                let tickets = try chunk.map { try engine.submit(engine.prompt(for: $0)) }
                for (prompt, ticket) in zip(chunk, tickets) {
                    results.append((prompt, try ticket.wait().get().distribution.probabilities))
                }
                index += chunk.count
            }
            let milliseconds = (ContinuousClock.now - start).milliseconds / Double(missing.count)
            try cache.store(results.map { ($0.prompt, ScoreCache.Entry(probabilities: $0.probabilities, milliseconds: milliseconds)) })
        }
        let entries = dataset.rows.map { cache[$0.prompt]! }
        return .model(name, dataset: dataset, distributions: entries.map(\.probabilities),
                      millisecondsPerQuery: entries.map(\.milliseconds).reduce(0, +) / Double(max(1, entries.count)))
    }
}
