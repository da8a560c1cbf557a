import Foundation

/// Fits a distilled student's head: ridge regression of the teacher's win rate in log-odds on
/// the standardised features, weighted rows, solved exactly (Cholesky). It is written as the
/// 5-way head's weights (label 1's row holds the regression, label 5's is zero, labels 2-4 are
/// switched off by a bias of -`unused`), so the student's strong-model win rate is the sigmoid of
/// the regression: a plain `LabelHead`, served as any other. A closed form rather than
/// `HeadTrainer`'s early-stopped Adam: with few blocks' features the soft-target fit stopped far
/// from its optimum and routed worse (docs/frontier.md).
///
/// With `hiddenUnits` the regression is a network instead (`HeadTrainer.fitRegression`: rectified
/// units, squared error on the same log-odds, `members` networks averaged, `ridge` as its L2 on
/// the mean loss): a linear map of a few frozen blocks copies the teacher's ranking of everyday
/// chat poorly (docs/frontier.md, "A student with a hidden layer").
struct DistillationFit: Sendable {
    var ridge: Double
    var hiddenUnits = 0
    var members = 1
    /// The network's Adam step: the classifier's 0.05 overshoots a regression on a thousand
    /// standardised features.
    var learningRate = Self.networkLearningRate
    static let networkLearningRate: Float = 0.001
    static let networkEpochs = 400

    /// Labels 2-4's bias below the others: their probability (e^-60) is nothing, not a third of
    /// the mass that would turn the sigmoid into e^s / (e^s + 4).
    static let unused: Float = 60

    /// `targets[i]`: the strong model's win probability row i is fitted to.
    func fit(features: [[Float]], targets: [Double], rowWeights: [Float], heldOut: [Int]) -> HeadTrainer.Result {
        if hiddenUnits > 0 { return fitNetwork(features: features, targets: targets, rowWeights: rowWeights) }
        let n = features.count, d = features[0].count
        let heldSet = Set(heldOut)
        let train = (0..<n).filter { !heldSet.contains($0) }
        var mean = [Double](repeating: 0, count: d), scale = [Double](repeating: 0, count: d)
        for x in features { for j in 0..<d { mean[j] += Double(x[j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        for x in features { for j in 0..<d { let v = Double(x[j]) - mean[j]; scale[j] += v * v } }
        for j in 0..<d { scale[j] = max(1e-6, (scale[j] / Double(n)).squareRoot()) }
        let weightMean = train.map { Double(rowWeights[$0]) }.reduce(0, +) / Double(max(1, train.count))
        let w = train.map { Double(rowWeights[$0]) / weightMean }
        let y = train.map { i in let p = min(1 - 1e-4, max(1e-4, targets[i])); return Foundation.log(p / (1 - p)) }
        let weightSum = w.reduce(0, +)
        let yMean = zip(w, y).map { $0 * $1 }.reduce(0, +) / weightSum
        // Weighted, centred design: A = Zᵀ W Z + λ I, b = Zᵀ W (y - ȳ), with each column's weighted
        // mean removed so the intercept is the weighted mean log-odds.
        var zMean = [Double](repeating: 0, count: d)
        for (k, i) in train.enumerated() { for j in 0..<d { zMean[j] += w[k] * (Double(features[i][j]) - mean[j]) / scale[j] } }
        for j in 0..<d { zMean[j] /= weightSum }
        var a = [Double](repeating: 0, count: d * d), b = [Double](repeating: 0, count: d)
        var row = [Double](repeating: 0, count: d)
        for (k, i) in train.enumerated() {
            for j in 0..<d { row[j] = (Double(features[i][j]) - mean[j]) / scale[j] - zMean[j] }
            let wk = w[k], r = y[k] - yMean
            row.withUnsafeBufferPointer { r0 in
                a.withUnsafeMutableBufferPointer { ap in
                    for p in 0..<d {
                        let v = wk * r0[p]
                        if v == 0 { continue }
                        for q in p..<d { ap[p * d + q] += v * r0[q] }
                    }
                }
            }
            for j in 0..<d { b[j] += wk * row[j] * r }
        }
        for p in 0..<d { a[p * d + p] += ridge; for q in 0..<p { a[p * d + q] = a[q * d + p] } }
        let beta = Self.solveSymmetricPositive(a, b, size: d)
        let intercept = yMean - zip(beta, zMean).map { $0 * $1 }.reduce(0, +)
        let (loss, accuracy) = Self.agreement(rows: heldOut.isEmpty ? train : heldOut, targets: targets) { i in
            var s = intercept
            for j in 0..<d { s += beta[j] * (Double(features[i][j]) - mean[j]) / scale[j] }
            return s
        }
        var weights = [[Float]](repeating: [Float](repeating: 0, count: d), count: 5)
        weights[0] = beta.map { Float($0) }
        return HeadTrainer.Result(mean: mean.map { Float($0) }, scale: scale.map { Float($0) }, weights: weights,
                                  bias: [Float(intercept), -Self.unused, -Self.unused, -Self.unused, 0], bestEpoch: 0, epochsRun: 0,
                                  validationLoss: loss, validationAccuracy: accuracy, validationRows: heldOut)
    }

    /// The soft cross-entropy to the teacher and the share of rows routed to the teacher's side
    /// of 0.5, over `rows` (the held-out rows, or the training rows), given each row's log-odds.
    static func agreement(rows: [Int], targets: [Double], logOdds: (Int) -> Double) -> (loss: Float, accuracy: Float) {
        var loss = 0.0, agree = 0.0
        for i in rows {
            let p = min(1 - 1e-9, max(1e-9, 1 / (1 + Foundation.exp(-logOdds(i))))), t = targets[i]
            loss -= t * Foundation.log(p) + (1 - t) * Foundation.log(1 - p)
            if (p >= 0.5) == (t >= 0.5) { agree += 1 }
        }
        return (Float(loss / Double(max(1, rows.count))), Float(agree / Double(max(1, rows.count))))
    }

    /// The network form: fitted by `HeadTrainer` (whose held-out rows are `heldOut`'s, every
    /// tenth), written as the same 5-way head over the hidden layer's units.
    private func fitNetwork(features: [[Float]], targets: [Double], rowWeights: [Float]) -> HeadTrainer.Result {
        var trainer = HeadTrainer(l2: Float(ridge), epochs: Self.networkEpochs, hiddenUnits: hiddenUnits, members: members)
        trainer.learningRate = learningRate
        let logOdds = targets.map { t in let p = min(1 - 1e-4, max(1e-4, t)); return Float(Foundation.log(p / (1 - p))) }
        var result = trainer.fitRegression(features: features, targets: logOdds, rowWeights: rowWeights)
        let output = result.weights[0], units = output.count
        var weights = [[Float]](repeating: [Float](repeating: 0, count: units), count: 5)
        weights[0] = output
        let intercept = result.bias[0]
        result.weights = weights
        result.bias = [intercept, -Self.unused, -Self.unused, -Self.unused, 0]
        // The same check as the closed form's, on the held-out rows.
        let hidden = result.hidden!, mean = result.mean, scale = result.scale
        let check = result.validationRows.isEmpty ? Array(features.indices) : result.validationRows
        (result.validationLoss, result.validationAccuracy) = Self.agreement(rows: check, targets: targets) { i in
            let z = features[i].indices.map { Double((features[i][$0] - mean[$0]) / scale[$0]) }
            return zip(hidden.activations(z), output).map { $0 * Double($1) }.reduce(Double(intercept), +)
        }
        return result
    }

    /// Solves A x = b for a symmetric positive definite A (row-major, size x size) by Cholesky.
    static func solveSymmetricPositive(_ a: [Double], _ b: [Double], size n: Int) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        l.withUnsafeMutableBufferPointer { l in
            for i in 0..<n {
                for j in 0...i {
                    var sum = a[i * n + j]
                    for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                    l[i * n + j] = i == j ? max(1e-12, sum).squareRoot() : sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }
}
