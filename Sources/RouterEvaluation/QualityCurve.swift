/// RouteLLM's quality-versus-cost curve for one ranking of a benchmark's queries.
///
/// Route the top k of n queries (by strong-model win rate) to the strong model and the rest to
/// the weak one, for k = 0...n: x = k/n is the strong-call share, score(x) the mean of the
/// routed answers' scores, PGR(x) = (score(x) - weak mean) / (strong mean - weak mean).
/// Queries with equal win rates are taken in random order, in expectation (each tied query
/// adds the group's mean gain), so a router that cannot tell queries apart scores as random.
public struct QualityCurve: Equatable, Sendable {
    /// Strong-call shares 0, 1/n, ..., 1.
    public let shares: [Double]
    /// Mean score at each share.
    public let scores: [Double]
    /// Performance gap recovered at each share.
    public let pgr: [Double]

    public init(winRates: [Double], strongScores: [Double], weakScores: [Double]) {
        precondition(winRates.count == strongScores.count && winRates.count == weakScores.count)
        let n = winRates.count
        let weakTotal = weakScores.reduce(0, +)
        let strongMean = strongScores.reduce(0, +) / Double(max(1, n))
        let weakMean = weakTotal / Double(max(1, n))
        let gap = strongMean - weakMean
        let order = winRates.indices.sorted { winRates[$0] > winRates[$1] }
        var shares = [0.0], scores = [weakMean]
        var total = weakTotal
        var i = 0
        while i < n {
            var j = i
            while j < n && winRates[order[j]] == winRates[order[i]] { j += 1 }
            let gain = order[i..<j].map { strongScores[$0] - weakScores[$0] }.reduce(0, +) / Double(j - i)
            for k in i..<j {
                total += gain
                shares.append(Double(k + 1) / Double(n))
                scores.append(total / Double(n))
            }
            i = j
        }
        self.shares = shares
        self.scores = scores
        self.pgr = scores.map { gap == 0 ? 0 : ($0 - weakMean) / gap }
    }

    /// Area under PGR over the strong-call share in [0, 1] (trapezoids).
    public var apgr: Double {
        guard shares.count > 1 else { return 0 }
        var area = 0.0
        for k in 1..<shares.count {
            area += (shares[k] - shares[k - 1]) * (pgr[k] + pgr[k - 1]) / 2
        }
        return area
    }

    /// The smallest strong-call share whose PGR reaches `target` (nil if none does).
    public func callsToReach(_ target: Double) -> Double? {
        zip(shares, pgr).first { $0.1 >= target - 1e-12 }?.0
    }

    /// The curve averaged point by point (same n), e.g. over random seeds.
    public static func mean(_ curves: [QualityCurve]) -> QualityCurve {
        var mean = curves[0]
        let count = Double(curves.count)
        mean = QualityCurve(shares: mean.shares,
                            scores: mean.scores.indices.map { k in curves.map { $0.scores[k] }.reduce(0, +) / count },
                            pgr: mean.pgr.indices.map { k in curves.map { $0.pgr[k] }.reduce(0, +) / count })
        return mean
    }

    private init(shares: [Double], scores: [Double], pgr: [Double]) {
        self.shares = shares
        self.scores = scores
        self.pgr = pgr
    }
}
