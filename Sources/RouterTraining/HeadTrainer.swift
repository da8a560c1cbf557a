import Foundation
import RouterCore

/// Fits a `LabelHead`: multinomial logistic regression on standardised features, L2 penalty,
/// class-balanced loss (each label present weighs the same in total), full-batch Adam, early
/// stopping on a held-out validation slice (the best epoch's weights are kept).
public struct HeadTrainer: Sendable {
    public var l2: Float = 1e-3
    public var epochs = 300
    public var learningRate: Float = 0.05
    /// Stop after this many epochs without a better validation loss.
    public var patience = 30
    /// Every `validationEvery`-th row (by position) is held out for early stopping.
    public var validationEvery = 10

    public init(l2: Float = 1e-3, epochs: Int = 300) {
        self.l2 = l2
        self.epochs = epochs
    }

    public struct Result: Sendable {
        public var mean: [Float]
        public var scale: [Float]
        public var weights: [[Float]]
        public var bias: [Float]
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
        precondition(!features.isEmpty && features.count == labels.count)
        precondition(rowWeights == nil || rowWeights!.count == labels.count, "one weight a row")
        let rowWeight = rowWeights ?? [Float](repeating: 1, count: labels.count)
        precondition(labels.allSatisfy { (1...5).contains($0) }, "labels are 1...5")
        let d = features[0].count, n = features.count, classes = 5
        precondition(features.allSatisfy { $0.count == d }, "feature vectors of one size")
        var mean = [Float](repeating: 0, count: d), scale = [Float](repeating: 0, count: d)
        for x in features { for j in 0..<d { mean[j] += x[j] } }
        for j in 0..<d { mean[j] /= Float(n) }
        for x in features { for j in 0..<d { scale[j] += (x[j] - mean[j]) * (x[j] - mean[j]) } }
        for j in 0..<d { scale[j] = max(1e-6, (scale[j] / Float(n)).squareRoot()) }
        var z = [Float](repeating: 0, count: n * d)
        for i in 0..<n { for j in 0..<d { z[i * d + j] = (features[i][j] - mean[j]) / scale[j] } }

        let held = validationRows(count: n)
        let heldSet = Set(held)
        let train = (0..<n).filter { !heldSet.contains($0) }
        let check = held.isEmpty ? train : held
        var counts = [Float](repeating: 0, count: classes)
        for i in train { counts[labels[i] - 1] += rowWeight[i] }
        let present = Float(counts.filter { $0 > 0 }.count)
        let total = counts.reduce(0, +)
        let classWeight = counts.map { $0 > 0 ? total / (present * $0) : 0 }

        var w = [Float](repeating: 0, count: classes * d), b = [Float](repeating: 0, count: classes)
        var mw = w, vw = w, mb = b, vb = b
        var gw = w, gb = b
        let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
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
            let t = Float(epoch)
            let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(t)))
            let correction2 = 1 - Float(Foundation.pow(Double(beta2), Double(t)))
            for k in 0..<classes {
                let g = gb[k] / weightSum
                mb[k] = beta1 * mb[k] + (1 - beta1) * g
                vb[k] = beta2 * vb[k] + (1 - beta2) * g * g
                b[k] -= learningRate * (mb[k] / correction1) / ((vb[k] / correction2).squareRoot() + epsilon)
            }
            for j in 0..<w.count {
                let g = gw[j] / weightSum + l2 * w[j]
                mw[j] = beta1 * mw[j] + (1 - beta1) * g
                vw[j] = beta2 * vw[j] + (1 - beta2) * g * g
                w[j] -= learningRate * (mw[j] / correction1) / ((vw[j] / correction2).squareRoot() + epsilon)
            }
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
}
