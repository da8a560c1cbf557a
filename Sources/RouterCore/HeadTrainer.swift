import Foundation

/// Fits a `LabelHead`: multinomial logistic regression on standardised features, L2 penalty,
/// class-balanced loss (each label weighs the same in total), full-batch Adam, early stopping
/// on a held-out validation slice (the best epoch's weights are kept).
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
        public var epochsRun: Int
        public var validationLoss: Float
        public var validationAccuracy: Float
    }

    /// `features[i]` has label `labels[i]` in 1...5.
    public func fit(features: [[Float]], labels: [Int]) -> Result {
        precondition(!features.isEmpty && features.count == labels.count)
        let d = features[0].count
        let n = features.count
        var mean = [Float](repeating: 0, count: d), scale = [Float](repeating: 0, count: d)
        for x in features { for j in 0..<d { mean[j] += x[j] } }
        for j in 0..<d { mean[j] /= Float(n) }
        for x in features { for j in 0..<d { scale[j] += (x[j] - mean[j]) * (x[j] - mean[j]) } }
        for j in 0..<d { scale[j] = max(1e-6, (scale[j] / Float(n)).squareRoot()) }
        let z = features.map { x in (0..<d).map { (x[$0] - mean[$0]) / scale[$0] } }

        let validation = n >= 2 * validationEvery ? Set(stride(from: validationEvery - 1, to: n, by: validationEvery)) : []
        let train = (0..<n).filter { !validation.contains($0) }
        var counts = [Float](repeating: 0, count: 5)
        for i in train { counts[labels[i] - 1] += 1 }
        let present = Float(counts.filter { $0 > 0 }.count)
        let classWeight = counts.map { $0 > 0 ? Float(train.count) / (present * $0) : 0 }

        var w = [[Float]](repeating: [Float](repeating: 0, count: d), count: 5)
        var b = [Float](repeating: 0, count: 5)
        var mw = w, vw = w, mb = b, vb = b
        let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
        var best = (loss: Float.infinity, w: w, b: b, epoch: 0)

        func probabilities(_ x: [Float], _ w: [[Float]], _ b: [Float]) -> [Float] {
            var logits = (0..<5).map { k -> Float in
                var s = b[k]
                for j in 0..<d { s += w[k][j] * x[j] }
                return s
            }
            let top = logits.max()!
            logits = logits.map { ($0 - top).exp() }
            let total = logits.reduce(0, +)
            return logits.map { $0 / total }
        }
        func loss(_ rows: [Int]) -> (Float, Float) {
            var total: Float = 0, correct: Float = 0
            for i in rows {
                let p = probabilities(z[i], w, b)
                total -= max(1e-12, p[labels[i] - 1]).log()
                if p.indices.max(by: { p[$0] < p[$1] }) == labels[i] - 1 { correct += 1 }
            }
            return (total / Float(max(1, rows.count)), correct / Float(max(1, rows.count)))
        }

        var epoch = 0
        while epoch < epochs {
            epoch += 1
            var gw = [[Float]](repeating: [Float](repeating: 0, count: d), count: 5)
            var gb = [Float](repeating: 0, count: 5)
            var weightSum: Float = 0
            for i in train {
                let p = probabilities(z[i], w, b)
                let c = classWeight[labels[i] - 1]
                weightSum += c
                for k in 0..<5 {
                    let g = c * (p[k] - (k == labels[i] - 1 ? 1 : 0))
                    gb[k] += g
                    for j in 0..<d { gw[k][j] += g * z[i][j] }
                }
            }
            let t = Float(epoch)
            for k in 0..<5 {
                let g = gb[k] / weightSum
                mb[k] = beta1 * mb[k] + (1 - beta1) * g
                vb[k] = beta2 * vb[k] + (1 - beta2) * g * g
                b[k] -= learningRate * (mb[k] / (1 - beta1.power(t))) / ((vb[k] / (1 - beta2.power(t))).squareRoot() + epsilon)
                for j in 0..<d {
                    let g = gw[k][j] / weightSum + l2 * w[k][j]
                    mw[k][j] = beta1 * mw[k][j] + (1 - beta1) * g
                    vw[k][j] = beta2 * vw[k][j] + (1 - beta2) * g * g
                    w[k][j] -= learningRate * (mw[k][j] / (1 - beta1.power(t))) / ((vw[k][j] / (1 - beta2.power(t))).squareRoot() + epsilon)
                }
            }
            let current = validation.isEmpty ? loss(train).0 : loss(Array(validation)).0
            if current < best.loss {
                best = (current, w, b, epoch)
            } else if epoch - best.epoch >= patience {
                break
            }
        }
        w = best.w
        b = best.b
        let (validationLoss, validationAccuracy) = loss(validation.isEmpty ? train : Array(validation).sorted())
        return Result(mean: mean, scale: scale, weights: w, bias: b, epochsRun: epoch,
                      validationLoss: validationLoss, validationAccuracy: validationAccuracy)
    }
}

extension Float {
    fileprivate func exp() -> Float { Float(Foundation.exp(Double(self))) }
    fileprivate func log() -> Float { Float(Foundation.log(Double(self))) }
    fileprivate func power(_ t: Float) -> Float { Float(Foundation.pow(Double(self), Double(t))) }
}
