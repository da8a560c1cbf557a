import Foundation
import RouterCore

/// Scores a benchmark's prompts with one model and template, through a cache: only prompts
/// never scored before reach the engine, which is created on first need. With a learned head
/// it reads features (hidden state + label logits) and reports both the template's zero-shot
/// distribution and the head's, from the same forward pass.
public final class EvaluationScorer {
    public enum Source {
        /// Zero-shot label distributions, cached.
        case zeroShot(ScoreCache, makeEngine: () throws(RouterError) -> ScoringEngine)
        /// Features, cached; the head named `name` is applied to them.
        case head(LabelHead, FeatureExtractor)
    }

    public let name: String
    private let source: Source
    /// The thresholds the router would route with: the routing config's for the zero-shot
    /// distribution, the head's (or an override) for the head's; for the obvious-cases figures.
    private let zeroShotThreshold: Double?
    private let headThreshold: Double?
    private var engine: ScoringEngine?

    public init(name: String, source: Source, zeroShotThreshold: Double? = nil, headThreshold: Double? = nil) {
        self.name = name
        self.source = source
        self.zeroShotThreshold = zeroShotThreshold
        self.headThreshold = headThreshold
    }

    deinit {
        engine?.shutdown()
    }

    /// The reports on `dataset` (row order): the zero-shot one, then the head's when there is one.
    public func reports(for dataset: BenchmarkDataset) throws -> [RouterReport] {
        switch source {
        case .zeroShot(let cache, let makeEngine):
            let missing = Array(Set(dataset.rows.map(\.prompt).filter { cache[$0] == nil }))
            if !missing.isEmpty {
                let engine = try self.engine ?? makeEngine()
                self.engine = engine
                let start = ContinuousClock.now
                let scored = try engine.scoreAll(missing)
                let milliseconds = (ContinuousClock.now - start).milliseconds / Double(missing.count)
                try cache.store(zip(missing, scored).map {
                    ($0, ScoreCache.Entry(probabilities: $1.distribution.probabilities, milliseconds: milliseconds))
                })
            }
            let entries = dataset.rows.map { cache[$0.prompt]! }
            return [.model(name, dataset: dataset, distributions: entries.map(\.probabilities),
                           millisecondsPerQuery: Self.mean(entries.map(\.milliseconds)), threshold: zeroShotThreshold)]
        case .head(let head, let extractor):
            let entries = try extractor.entries(for: dataset.rows.map(\.prompt))
            let milliseconds = Self.mean(entries.map(\.milliseconds))
            let vectors = entries.map { $0.vector(head.features)! }
            let distributions = vectors.map { head.distribution(features: $0).probabilities }
            var reports: [RouterReport] = [
                .model("\(name)+\(head.name)", dataset: dataset, distributions: distributions, millisecondsPerQuery: milliseconds,
                       threshold: headThreshold ?? head.threshold),
            ]
            // A head reading at the query's end decodes no template suffix: the label logits it
            // gets are features, not the template's zero-shot distribution (`--no-head` gives that).
            if !head.features.endsAtQuery {
                reports.insert(.model(name, dataset: dataset, distributions: entries.map(\.zeroShot.probabilities),
                                      millisecondsPerQuery: milliseconds, threshold: zeroShotThreshold), at: 0)
            }
            if head.neighbourhood != nil {
                // ood_route strong: queries outside the training data go to the strong model
                // before any other (their win rate counts as 1 + the head's).
                let outside = vectors.map { head.outOfDistribution(features: $0)?.outside == true }
                let share = Double(outside.filter { $0 }.count) / Double(max(1, outside.count))
                var report = RouterReport(name: "\(name)+\(head.name)+ood->strong (\(String(format: "%.0f", share * 100))% ood)",
                                          curve: QualityCurve(winRates: zip(distributions, outside).map { $0[0] + $0[1] + $0[2] + ($1 ? 1 : 0) },
                                                              strongScores: dataset.rows.map(\.strongScore),
                                                              weakScores: dataset.rows.map(\.weakScore)))
                report.millisecondsPerQuery = milliseconds
                reports.append(report)
            }
            return reports
        }
    }

    private static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(max(1, values.count))
    }
}
