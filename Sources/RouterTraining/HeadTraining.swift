import Foundation
import RouterCore
import RouterEvaluation

/// Trains a learned head on the train rows of routing benchmarks: picks the L2 strength with
/// the lowest validation loss (the trainer's held-out slice: every 10th row), reports each
/// candidate's validation figures, and sets the head's threshold to the median strong-model
/// win rate over the training rows.
public struct HeadTraining: Sendable {
    public var target: HeadTarget = .label
    /// What the head reads.
    public var features: HeadFeatures = .finalStateAndLogits
    /// Each data file weighs the same in the loss, whatever its row count (so 11k MMLU rows do
    /// not drown 395 chat rows); off: every row weighs the same.
    public var balanceBenchmarks = true
    /// Store where the training rows lie, so verdicts report an out-of-distribution score.
    public var neighbourhood = true
    /// L2 strengths tried (one: no search).
    public var l2Grid: [Float] = [1e-3, 1e-2, 1e-1, 1, 10]
    /// Ridge strengths a distilled student tries (one: no search), or with `studentHiddenUnits`
    /// the network's L2 strengths; nil: `distillationRidges`, or `distillationNetworkL2s` for a
    /// network.
    public var ridgeGrid: [Float]?
    /// The strengths a student fit tries.
    var studentGrid: [Float] { ridgeGrid ?? (studentHiddenUnits > 0 ? Self.distillationNetworkL2s : Self.distillationRidges) }
    /// A distilled student's regression as a network: rectified units (0: the closed-form
    /// ridge), and how many networks of them it averages.
    public var studentHiddenUnits = 0
    public var studentMembers = 1
    /// The student network's Adam step (`DistillationFit.networkLearningRate` unless a test
    /// needs a few hundred epochs to reach a small problem's optimum).
    public var studentLearningRate = DistillationFit.networkLearningRate
    public var epochs = 300
    /// The obvious-cases prior's gate: rectified units between the features and its logits
    /// (0: a linear gate, as round 9 shipped), and how many networks of them it averages.
    public var gateHiddenUnits = 0
    public var gateMembers = 1

    public init(target: HeadTarget = .label, l2Grid: [Float] = [1e-3, 1e-2, 1e-1, 1, 10], epochs: Int = 300) {
        self.target = target
        self.l2Grid = l2Grid
        self.epochs = epochs
    }

    /// One L2 strength's outcome on the validation slice.
    public struct Candidate: Sendable {
        public var l2: Float
        public var validationLoss: Float
        public var validationAccuracy: Float
        /// APGR of the head on each benchmark's validation rows (benchmarks with >= 20 of them).
        public var validationAPGR: [(benchmark: String, apgr: Double)]
        public var bestEpoch: Int
    }

    public struct Outcome: Sendable {
        public var head: LabelHead
        public var candidates: [Candidate]
        /// The chosen candidate's index.
        public var chosen: Int

        public init(head: LabelHead, candidates: [Candidate], chosen: Int) {
            self.head = head
            self.candidates = candidates
            self.chosen = chosen
        }
    }

    /// `entries[b][i]` are the features of `datasets[b].rows[i]`. With `distillation` the head is
    /// fitted to a teacher's win rates (`DistillationFit`, one fit per ridge strength of
    /// `studentGrid`, `target` is then `strong_better`) and its threshold routes the
    /// teacher's strong share of the training rows.
    public func run(name: String, identity: ScoringIdentity, datasets: [BenchmarkDataset], entries: [[FeatureCache.Entry]],
                    description: [String: String] = [:], distillation: DistillationTargets? = nil) -> Outcome {
        precondition(datasets.count == entries.count && zip(datasets, entries).allSatisfy { $0.rows.count == $1.count })
        let rows = datasets.flatMap(\.rows)
        let recipe = self.features
        let features = entries.flatMap { $0.map { $0.vector(recipe)! } }
        let target = distillation == nil ? self.target : .strongBetter
        let labels = rows.map { target.trainingLabel(for: $0.label) }
        let benchmarkOfRow = datasets.indices.flatMap { Array(repeating: $0, count: datasets[$0].rows.count) }
        let rowWeights: [Float]? = balanceBenchmarks
            ? benchmarkOfRow.map { Float(rows.count) / Float(datasets.count * max(1, datasets[$0].rows.count)) } : nil
        var results: [(HeadTrainer.Result, Candidate)] = []
        let held = HeadTrainer().validationRows(count: features.count)
        for l2 in distillation == nil ? l2Grid : studentGrid {
            let result = distillation.map { targets in
                DistillationFit(ridge: Double(l2), hiddenUnits: studentHiddenUnits, members: studentMembers, learningRate: studentLearningRate)
                    .fit(features: features, targets: rows.indices.map { targets.strongWinProbability(row: $0, rows[$0]) },
                         rowWeights: rowWeights ?? features.map { _ in 1 }, heldOut: held)
            } ?? HeadTrainer(l2: l2, epochs: epochs).fit(features: features, labels: labels, rowWeights: rowWeights)
            let head = Self.head(from: result, name: name, identity: identity, target: target, features: recipe)
            var apgr: [(String, Double)] = []
            for (b, dataset) in datasets.enumerated() where dataset.rows.contains(where: \.isGraded) {
                let held = result.validationRows.filter { benchmarkOfRow[$0] == b }
                guard held.count >= 20 else { continue }
                let slice = BenchmarkDataset(name: dataset.name, rows: held.map { rows[$0] })
                let distributions = held.map { head.distribution(features: features[$0]).probabilities }
                apgr.append((dataset.name, RouterReport.model(name, dataset: slice, distributions: distributions).apgr))
            }
            results.append((result, Candidate(l2: l2, validationLoss: result.validationLoss, validationAccuracy: result.validationAccuracy,
                                              validationAPGR: apgr, bestEpoch: result.bestEpoch)))
        }
        // A student is chosen by how it routes the held-out train rows (mean validation APGR over
        // the graded files): its loss measures how closely it copies the teacher, and with few
        // blocks the closest copy is not the best router (docs/frontier.md, distillation).
        func meanAPGR(_ c: Candidate) -> Double {
            c.validationAPGR.isEmpty ? -.infinity : c.validationAPGR.map(\.apgr).reduce(0, +) / Double(c.validationAPGR.count)
        }
        let chosen = distillation != nil && results.contains(where: { !$0.1.validationAPGR.isEmpty })
            ? results.indices.max { meanAPGR(results[$0].1) < meanAPGR(results[$1].1) }!
            : results.indices.min { results[$0].1.validationLoss < results[$1].1.validationLoss }!
        let (result, candidate) = results[chosen]
        var head = Self.head(from: result, name: name, identity: identity, target: target, features: recipe)
        settle(&head, trainingRows: features, heldOut: result.validationRows, strongShare: distillation?.teacherStrongShare)
        var training = description
        training["rows"] = String(rows.count)
        training["features"] = recipe.summary
        training["balance"] = balanceBenchmarks ? "benchmarks" : "rows"
        training["rows_per_benchmark"] = datasets.map { "\($0.name)=\($0.rows.count)" }.joined(separator: ",")
        training["l2"] = String(candidate.l2)
        training["l2_grid"] = (distillation == nil ? l2Grid : studentGrid).map { String($0) }.joined(separator: ",")
        training["epochs"] = String(candidate.bestEpoch)
        training["validation_loss"] = String(format: "%.4f", candidate.validationLoss)
        training["validation_accuracy"] = String(format: "%.4f", candidate.validationAccuracy)
        training["validation_apgr"] = candidate.validationAPGR.map { "\($0.benchmark)=\(String(format: "%.3f", $0.apgr))" }.joined(separator: ",")
        head.training = training
        return Outcome(head: head, candidates: results.map(\.1), chosen: chosen)
    }

    /// The ridge strengths a distilled student tries (on standardised features, rows weighing
    /// 1 on average), chosen by validation APGR.
    public static let distillationRidges: [Float] = [1, 10, 100, 1000, 10000]
    /// The L2 strengths a student network tries (on the mean loss, as `HeadTrainer`'s).
    public static let distillationNetworkL2s: [Float] = [0.001, 0.1]

    /// One fit per L2 strength of the grid, keeping the lowest validation loss (a gate's fit:
    /// the mixture's and the obvious-cases prior's).
    func fitLowestValidationLoss(features: [[Float]], labels: [Int], rowWeights: [Float], hiddenUnits: Int = 0,
                                 members: Int = 1) -> (result: HeadTrainer.Result, l2: Float) {
        var best: (result: HeadTrainer.Result, l2: Float)?
        for l2 in l2Grid {
            let trainer = HeadTrainer(l2: l2, epochs: epochs, hiddenUnits: hiddenUnits, members: members)
            let result = trainer.fit(features: features, labels: labels, rowWeights: rowWeights)
            if best == nil || result.validationLoss < best!.result.validationLoss { best = (result, l2) }
        }
        return best!
    }

    /// The head's threshold, the median strong-model win rate over its training rows (or the
    /// win rate above which `strongShare` of them lie), then (with `neighbourhood`) where those
    /// rows lie, for the out-of-distribution score.
    func settle(_ head: inout LabelHead, trainingRows vectors: [[Float]], heldOut: [Int], strongShare: Double? = nil) {
        let winRates = vectors.map { head.distribution(features: $0).strongWinRate }.sorted()
        let weakRows = strongShare.map { Int((Double(winRates.count) * (1 - $0)).rounded()) } ?? winRates.count / 2
        head.threshold = winRates[min(winRates.count - 1, max(0, weakRows))]
        if neighbourhood {
            head.neighbourhood = HeadNeighbourhood.fit(standardised: vectors.map(head.standardised), heldOut: heldOut)
        }
    }

    static func head(from result: HeadTrainer.Result, name: String, identity: ScoringIdentity, target: HeadTarget,
                     features: HeadFeatures) -> LabelHead {
        LabelHead(name: name, identity: identity, target: target, features: features, featureSize: result.mean.count, mean: result.mean,
                  scale: result.scale, weights: result.weights, bias: result.bias, hidden: result.hidden)
    }
}
