import Foundation
import RouterCore

/// Fits a `LabelHead`: multinomial logistic regression on standardised features, L2 penalty,
/// class-balanced loss (each label present weighs the same in total), full-batch Adam, early
/// stopping on a held-out validation slice (the best epoch's weights are kept). With
/// `hiddenUnits` the logits come from a hidden layer of rectified units instead
/// (`HeadTrainer+HiddenLayer.swift`).
public struct HeadTrainer: Sendable {
    public var l2: Float = 1e-3
    public var epochs = 300
    public var learningRate: Float = 0.05
    /// Stop after this many epochs without a better validation loss.
    public var patience = 30
    /// Every `validationEvery`-th row (by position) is held out for early stopping.
    public var validationEvery = 10
    /// Rectified units between the features and the logits (0: none, logistic regression).
    public var hiddenUnits = 0
    /// With `hiddenUnits`: how many networks of that many units are fitted from different
    /// random starts; the head averages their logits (one layer of members x units), so which
    /// start was drawn matters less.
    public var members = 1

    public init(l2: Float = 1e-3, epochs: Int = 300, hiddenUnits: Int = 0, members: Int = 1) {
        self.l2 = l2
        self.epochs = epochs
        self.hiddenUnits = hiddenUnits
        self.members = members
    }

    public struct Result: Sendable {
        public var mean: [Float]
        public var scale: [Float]
        public var weights: [[Float]]
        public var bias: [Float]
        /// The hidden layer `weights` read (nil: they read the features).
        public var hidden: HeadHiddenLayer? = nil
        /// The epoch whose weights were kept, and how many ran.
        public var bestEpoch: Int
        public var epochsRun: Int
        /// Class-balanced cross-entropy and accuracy on the validation rows (the training rows
        /// when there were too few to hold any out).
        public var validationLoss: Float
        public var validationAccuracy: Float
        /// The rows held out (indices into the training arrays).
        public var validationRows: [Int]
    }

    /// The rows held out for early stopping out of `count`.
    public func validationRows(count: Int) -> [Int] {
        count >= 2 * validationEvery ? Array(stride(from: validationEvery - 1, to: count, by: validationEvery)) : []
    }

    /// `features[i]` has label `labels[i]` in 1...5 and weighs `rowWeights[i]` (default 1) in the
    /// loss, on top of the class balancing (e.g. so that each benchmark of a mix weighs the same).
    public func fit(features: [[Float]], labels: [Int], rowWeights: [Float]? = nil) -> Result {
        let prepared = Prepared(features: features, labels: labels, rowWeights: rowWeights, heldOut: validationRows(count: features.count))
        if hiddenUnits > 0 { return fitWithHiddenLayer(prepared) }
        let (d, classes, z, mean, scale) = (prepared.d, Prepared.classes, prepared.z, prepared.mean, prepared.scale)
        let (train, check, held, rowWeight, classWeight) = (prepared.train, prepared.check, prepared.held, prepared.rowWeight, prepared.classWeight)

        var w = [Float](repeating: 0, count: classes * d), b = [Float](repeating: 0, count: classes)
        var weightMoments = AdamMoments(), biasMoments = AdamMoments()
        var gw = w, gb = b
        var best = (loss: Float.infinity, w: w, b: b, epoch: 0)

        /// Softmax probabilities of row i into p.
        func probabilities(_ i: Int, _ w: UnsafeBufferPointer<Float>, _ b: [Float], _ z: UnsafeBufferPointer<Float>,
                           _ p: inout [Float]) {
            var top = -Float.infinity
            for k in 0..<classes {
                var s = b[k]
                let row = i * d, weights = k * d
                for j in 0..<d { s += w[weights + j] * z[row + j] }
                p[k] = s
                top = max(top, s)
            }
            var total: Float = 0
            for k in 0..<classes { p[k] = Foundation.exp(p[k] - top); total += p[k] }
            for k in 0..<classes { p[k] /= total }
        }
        func evaluate(_ rows: [Int], _ w: [Float], _ b: [Float]) -> (loss: Float, accuracy: Float) {
            var loss: Float = 0, weightSum: Float = 0, correct: Float = 0
            var p = [Float](repeating: 0, count: classes)
            w.withUnsafeBufferPointer { w in
                z.withUnsafeBufferPointer { z in
                    for i in rows {
                        probabilities(i, w, b, z, &p)
                        let c = classWeight[labels[i] - 1] * rowWeight[i]
                        loss -= c * Foundation.log(max(1e-12, p[labels[i] - 1]))
                        weightSum += c
                        if p.indices.max(by: { p[$0] < p[$1] }) == labels[i] - 1 { correct += 1 }
                    }
                }
            }
            return (loss / max(1e-12, weightSum), correct / Float(max(1, rows.count)))
        }

        var epoch = 0
        var p = [Float](repeating: 0, count: classes)
        while epoch < epochs {
            epoch += 1
            for k in 0..<gw.count { gw[k] = 0 }
            for k in 0..<classes { gb[k] = 0 }
            var weightSum: Float = 0
            w.withUnsafeBufferPointer { wp in
                z.withUnsafeBufferPointer { zp in
                    gw.withUnsafeMutableBufferPointer { gwp in
                        for i in train {
                            probabilities(i, wp, b, zp, &p)
                            let c = classWeight[labels[i] - 1] * rowWeight[i]
                            weightSum += c
                            for k in 0..<classes {
                                let g = c * (p[k] - (k == labels[i] - 1 ? 1 : 0))
                                gb[k] += g
                                let row = i * d, weights = k * d
                                for j in 0..<d { gwp[weights + j] += g * zp[row + j] }
                            }
                        }
                    }
                }
            }
            biasMoments.step(&b, gradient: gb, total: weightSum, l2: 0, rate: learningRate, epoch: epoch)
            weightMoments.step(&w, gradient: gw, total: weightSum, l2: l2, rate: learningRate, epoch: epoch)
            let current = evaluate(check, w, b).loss
            if current < best.loss {
                best = (current, w, b, epoch)
            } else if epoch - best.epoch >= patience {
                break
            }
        }
        let (validationLoss, validationAccuracy) = evaluate(check, best.w, best.b)
        return Result(mean: mean, scale: scale, weights: (0..<classes).map { Array(best.w[$0 * d..<($0 + 1) * d]) }, bias: best.b,
                      bestEpoch: best.epoch, epochsRun: epoch, validationLoss: validationLoss,
                      validationAccuracy: validationAccuracy, validationRows: held)
    }

    /// The rows standardised, split into fitted and held-out rows, and weighed (both fits').
    struct Prepared {
        static let classes = 5
        let d: Int
        let mean: [Float], scale: [Float]
        /// Row-major standardised features, n x d.
        let z: [Float]
        let labels: [Int]
        /// The values a regression network is fitted to (squared error, one output), instead
        /// of the labels (cross-entropy over five); nil for a classifier.
        let targets: [Float]?
        let rowWeight: [Float]
        /// Each label's weight, so that every label present weighs the same in total.
        let classWeight: [Float]
        let held: [Int], train: [Int], check: [Int]

        /// The network's outputs: five logits, or the one fitted value.
        var outputs: Int { targets == nil ? Self.classes : 1 }

        init(features: [[Float]], labels: [Int], rowWeights: [Float]?, heldOut: [Int], targets: [Float]? = nil) {
            precondition(!features.isEmpty && features.count == labels.count)
            precondition(targets == nil || targets!.count == labels.count, "one target a row")
            precondition(rowWeights == nil || rowWeights!.count == labels.count, "one weight a row")
            let rowWeight = rowWeights ?? [Float](repeating: 1, count: labels.count)
            precondition(labels.allSatisfy { (1...5).contains($0) }, "labels are 1...5")
            let d = features[0].count, n = features.count
            precondition(features.allSatisfy { $0.count == d }, "feature vectors of one size")
            var mean = [Float](repeating: 0, count: d), scale = [Float](repeating: 0, count: d)
            for x in features { for j in 0..<d { mean[j] += x[j] } }
            for j in 0..<d { mean[j] /= Float(n) }
            for x in features { for j in 0..<d { scale[j] += (x[j] - mean[j]) * (x[j] - mean[j]) } }
            for j in 0..<d { scale[j] = max(1e-6, (scale[j] / Float(n)).squareRoot()) }
            var z = [Float](repeating: 0, count: n * d)
            for i in 0..<n { for j in 0..<d { z[i * d + j] = (features[i][j] - mean[j]) / scale[j] } }
            let heldSet = Set(heldOut)
            let train = (0..<n).filter { !heldSet.contains($0) }
            var counts = [Float](repeating: 0, count: Self.classes)
            for i in train { counts[labels[i] - 1] += rowWeight[i] }
            let present = Float(counts.filter { $0 > 0 }.count)
            let total = counts.reduce(0, +)
            (self.d, self.mean, self.scale, self.z, self.labels, self.rowWeight) = (d, mean, scale, z, labels, rowWeight)
            self.targets = targets
            self.classWeight = counts.map { $0 > 0 ? total / (present * $0) : 0 }
            (self.held, self.train, self.check) = (heldOut, train, heldOut.isEmpty ? train : heldOut)
        }
    }
}
