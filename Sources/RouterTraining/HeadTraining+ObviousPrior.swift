import Foundation
import RouterCore
import RouterEvaluation

extension HeadTraining {
    /// The band's edges: quantiles of the head's win rates on its training traffic. Chosen on
    /// train rows (docs/heads.md, round 9): the widest band with which no training file's APGR
    /// moved by more than 0.005.
    public static let obviousPriorQuantiles = (easy: 0.15, hard: 0.85)

    /// Puts the obvious-cases prior (`ObviousPrior`) on a fitted head (`inner`, a mixture or a
    /// plain head): fits its gate (three classes: obviously easy, obviously hard, neither; each
    /// class weighs the same in the loss, the L2 with the lowest validation loss), sets its band
    /// from `thresholdEntries` (the inner head's training traffic) and the head's threshold to
    /// the median win rate there, so such traffic still goes about half to the strong model.
    ///
    /// - `obvious`: the obvious-cases set's rows (`strongNeeded` says easy or hard).
    /// - `neither`: rows that are neither (the inner head's training data, everyday prompts),
    ///   one array per file; each file weighs the same within the class.
    public func withObviousPrior(_ inner: LabelHead, name: String, obvious: BenchmarkDataset, obviousEntries: [FeatureCache.Entry],
                                 neither: [[FeatureCache.Entry]], thresholdEntries: [FeatureCache.Entry],
                                 description: [String: String] = [:]) -> Outcome {
        precondition(obvious.rows.count == obviousEntries.count && !thresholdEntries.isEmpty)
        let recipe = inner.features
        let neitherVectors = neither.map { $0.map { $0.vector(recipe)! } }
        let vectors = obviousEntries.map { $0.vector(recipe)! } + neitherVectors.flatMap { $0 }
        let labels = obvious.rows.map { $0.strongNeeded ? ObviousPrior.hardClass : ObviousPrior.easyClass }
            + neitherVectors.flatMap { rows in rows.map { _ in ObviousPrior.neitherClass } }
        let neitherCount = Float(neitherVectors.map(\.count).reduce(0, +))
        let files = Float(max(1, neitherVectors.filter { !$0.isEmpty }.count))
        let weights = obviousEntries.map { _ in Float(1) }
            + neitherVectors.flatMap { rows in rows.map { _ in neitherCount / (files * Float(rows.count)) } }
        let (result, l2) = fitLowestValidationLoss(features: vectors, labels: labels, rowWeights: weights,
                                                   hiddenUnits: gateHiddenUnits, members: gateMembers)
        let gate = Self.head(from: result, name: "\(name)-obvious-prior", identity: inner.identity, target: HeadTarget(rawValue: inner.target) ?? target,
                             features: recipe)
        let trafficVectors = thresholdEntries.map { $0.vector(recipe)! }
        let innerWinRates = trafficVectors.map { inner.distribution(features: $0).strongWinRate }.sorted()
        func quantile(_ q: Double) -> Double { innerWinRates[min(innerWinRates.count - 1, Int(q * Double(innerWinRates.count)))] }
        var head = inner
        head.name = name
        head.obviousPrior = ObviousPrior(gate: gate, easyCeiling: quantile(Self.obviousPriorQuantiles.easy),
                                         hardFloor: quantile(Self.obviousPriorQuantiles.hard))
        let winRates = trafficVectors.map { head.distribution(features: $0).strongWinRate }.sorted()
        head.threshold = winRates[winRates.count / 2]
        var training = inner.training.merging(description) { $1 }
        training["inner_head"] = inner.name
        training["obvious_prior"] = "\(obvious.name): \(labels.filter { $0 == ObviousPrior.easyClass }.count) easy, "
            + "\(labels.filter { $0 == ObviousPrior.hardClass }.count) hard; neither: \(neitherVectors.map { String($0.count) }.joined(separator: "+")) rows"
        training["obvious_prior_band"] = String(format: "%.4f-%.4f (win-rate quantiles %.2f-%.2f of %d training rows)",
                                                head.obviousPrior!.easyCeiling, head.obviousPrior!.hardFloor,
                                                Self.obviousPriorQuantiles.easy, Self.obviousPriorQuantiles.hard, innerWinRates.count)
        training["obvious_prior_l2"] = String(l2)
        // A re-fit on a head whose prior had a hidden layer must not keep that description.
        training["obvious_prior_gate"] = gate.hidden.map { "\($0.units) rectified units (\(gateMembers) networks of \(gateHiddenUnits) averaged)" }
        training["obvious_prior_validation_accuracy"] = String(format: "%.4f", result.validationAccuracy)
        head.training = training
        let candidate = Candidate(l2: l2, validationLoss: result.validationLoss, validationAccuracy: result.validationAccuracy,
                                  validationAPGR: [], bestEpoch: result.bestEpoch)
        return Outcome(head: head, candidates: [candidate], chosen: 0)
    }
}
