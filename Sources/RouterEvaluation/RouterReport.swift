/// One router's figures on one benchmark.
public struct RouterReport: Sendable {
    public var name: String
    public var apgr: Double
    /// Strong-call share needed for 50% / 80% of the performance gap (nil: never reached).
    public var cpt50: Double?
    public var cpt80: Double?
    public var curve: QualityCurve
    /// Agreement of the predicted 1-5 label with the true one (model routers only).
    public var agreement: LabelAgreement?
    /// Mean scoring latency per query, when it was measured (model routers, uncached).
    public var millisecondsPerQuery: Double?
    /// On an obvious-cases set: how the router separates easy from hard prompts, at the
    /// threshold in use (model routers) or at the last model router's strong share (baselines).
    public var separation: ClassSeparation?

    public init(name: String, curve: QualityCurve, agreement: LabelAgreement? = nil, millisecondsPerQuery: Double? = nil) {
        self.name = name
        self.apgr = curve.apgr
        self.cpt50 = curve.callsToReach(0.5)
        self.cpt80 = curve.callsToReach(0.8)
        self.curve = curve
        self.agreement = agreement
        self.millisecondsPerQuery = millisecondsPerQuery
    }

    /// The random router: the mean of `seeds` random orderings (figures and curve averaged).
    public static func random(_ dataset: BenchmarkDataset, seeds: Int = 20) -> RouterReport {
        var generator = SplitMix64(seed: 0x5EED)
        let curves = (0..<seeds).map { _ in
            QualityCurve(winRates: dataset.rows.map { _ in Double(generator.next() >> 11) }, strongScores: dataset.rows.map(\.strongScore),
                         weakScores: dataset.rows.map(\.weakScore))
        }
        var report = RouterReport(name: "random", curve: QualityCurve.mean(curves))
        report.apgr = curves.map(\.apgr).reduce(0, +) / Double(seeds)
        report.cpt50 = curves.map { $0.callsToReach(0.5) ?? 1 }.reduce(0, +) / Double(seeds)
        report.cpt80 = curves.map { $0.callsToReach(0.8) ?? 1 }.reduce(0, +) / Double(seeds)
        return report
    }

    /// The oracle: sends first the queries where the strong model gains most.
    public static func oracle(_ dataset: BenchmarkDataset) -> RouterReport {
        RouterReport(name: "oracle", curve: QualityCurve(winRates: dataset.rows.map { $0.strongScore - $0.weakScore },
                                                          strongScores: dataset.rows.map(\.strongScore),
                                                          weakScores: dataset.rows.map(\.weakScore)))
    }

    /// The prompt-length rule: longer prompts to the strong model first (`longerFirst`), or
    /// shorter ones first. A learned router that cannot beat both directions has learned nothing
    /// a character count does not know.
    public static func length(_ dataset: BenchmarkDataset, longerFirst: Bool) -> RouterReport {
        let lengths = dataset.rows.map { Double($0.prompt.count) }
        return RouterReport(name: longerFirst ? "length (longer->strong)" : "length (shorter->strong)",
                            curve: QualityCurve(winRates: longerFirst ? lengths : lengths.map { -$0 },
                                                strongScores: dataset.rows.map(\.strongScore),
                                                weakScores: dataset.rows.map(\.weakScore)))
    }

    /// A model router from its predicted label distributions (one per row, in row order);
    /// `threshold`: the one it routes with (strong when the win rate is at or above it), for the
    /// obvious-cases figures.
    public static func model(_ name: String, dataset: BenchmarkDataset, distributions: [[Double]], millisecondsPerQuery: Double? = nil,
                             threshold: Double? = nil) -> RouterReport {
        let winRates = distributions.map { $0[0] + $0[1] + $0[2] }
        var report = RouterReport(name: name,
                                  curve: QualityCurve(winRates: winRates, strongScores: dataset.rows.map(\.strongScore),
                                                      weakScores: dataset.rows.map(\.weakScore)),
                                  agreement: LabelAgreement(distributions: distributions, labels: dataset.rows.map(\.label)),
                                  millisecondsPerQuery: millisecondsPerQuery)
        if let threshold, dataset.isObviousCases {
            report.separation = ClassSeparation(rows: dataset.rows, winRates: winRates, threshold: threshold)
        }
        return report
    }
}
