import Foundation
import RouterCore
import RouterEvaluation

extension HeadTrainer {
    /// One hidden layer of rectified units (`hiddenUnits`), the same loss, L2 (on both layers'
    /// weights), full-batch Adam and early stopping as the linear fit; `members` networks from
    /// different seeded random starts, their logits averaged. Deterministic: the starts come from
    /// a fixed seed, so the same rows give the same head.
    func fitWithHiddenLayer(_ data: Prepared) -> Result {
        let members = Self.memberSeeds(max(1, self.members)).map { fitNetwork(data, seed: $0) }
        // Averaging the members' logits is one network whose hidden layer holds all their units
        // and whose output weights are theirs divided by the count.
        let count = Float(members.count)
        let hidden = HeadHiddenLayer(weights: members.flatMap(\.hidden.weights), bias: members.flatMap(\.hidden.bias))
        let weights = (0..<Prepared.classes).map { k in members.flatMap { $0.output[k].map { $0 / count } } }
        let bias = (0..<Prepared.classes).map { k in members.map { $0.bias[k] }.reduce(0, +) / count }
        let network = Network(hidden: hidden, output: weights, bias: bias)
        let (loss, accuracy) = network.evaluate(data, rows: data.check)
        // With several members, the latest epoch any of them kept and the most any of them ran.
        return Result(mean: data.mean, scale: data.scale, weights: weights, bias: bias, hidden: hidden,
                      bestEpoch: members.map(\.bestEpoch).max() ?? 0, epochsRun: members.map(\.epochsRun).max() ?? 0,
                      validationLoss: loss, validationAccuracy: accuracy, validationRows: data.held)
    }

    /// The members' random starts: successive draws of one fixed generator. (Seeds that differ
    /// by a multiple of SplitMix64's own increment give streams that are one another shifted: the
    /// first version, seeded C x (m + 1), started member m as member 0 with its units shifted.)
    static func memberSeeds(_ count: Int) -> [UInt64] {
        var generator = SplitMix64(seed: 0x6869_6464_656E_2D67)
        return (0..<count).map { _ in generator.next() }
    }

    /// A fitted network: its layers, and the epoch kept.
    struct Network {
        var hidden: HeadHiddenLayer
        /// output[label - 1][unit].
        var output: [[Float]]
        var bias: [Float]
        var bestEpoch = 0
        var epochsRun = 0

        /// Class-balanced cross-entropy and accuracy on `rows`.
        func evaluate(_ data: Prepared, rows: [Int]) -> (loss: Float, accuracy: Float) {
            var loss: Float = 0, weightSum: Float = 0, correct: Float = 0
            for i in rows {
                let z = (0..<data.d).map { Double(data.z[i * data.d + $0]) }
                let h = hidden.activations(z)
                var logits = (0..<Prepared.classes).map { k in
                    zip(output[k], h).reduce(Double(bias[k])) { $0 + Double($1.0) * $1.1 }
                }
                let top = logits.max()!
                logits = logits.map { Foundation.exp($0 - top) }
                let total = logits.reduce(0, +)
                let label = data.labels[i] - 1
                let c = data.classWeight[label] * data.rowWeight[i]
                loss -= c * Float(Foundation.log(max(1e-12, logits[label] / total)))
                weightSum += c
                if logits.indices.max(by: { logits[$0] < logits[$1] }) == label { correct += 1 }
            }
            return (loss / max(1e-12, weightSum), correct / Float(max(1, rows.count)))
        }
    }

    /// One network of `hiddenUnits` units from the random start `seed` gives.
    private func fitNetwork(_ data: Prepared, seed: UInt64) -> Network {
        let d = data.d, units = hiddenUnits, classes = Prepared.classes
        var random = SplitMix64(seed: seed)
        // He initialisation for the rectified layer, Glorot for the output layer.
        let inputRange = (6 / Float(d)).squareRoot(), outputRange = (6 / Float(units + classes)).squareRoot()
        func uniform(_ range: Float) -> Float { Float(random.next() >> 40) / Float(1 << 24) * 2 * range - range }
        // The first layer is kept transposed (feature-major), so that each row's forward and
        // backward passes are runs of contiguous multiply-adds over the units.
        var weights = Parameters(w1: (0..<d * units).map { _ in uniform(inputRange) }, b1: [Float](repeating: 0, count: units),
                                 w2: (0..<classes * units).map { _ in uniform(outputRange) }, b2: [Float](repeating: 0, count: classes))
        var moments = [AdamMoments](repeating: AdamMoments(), count: 4)
        var gradients = weights, unused = Parameters(w1: [], b1: [], w2: [], b2: [])
        var best = (loss: Float.infinity, weights: weights, epoch: 0)
        let shape = Shape(d: d, units: units, classes: classes)

        var epoch = 0
        while epoch < epochs {
            epoch += 1
            var weightSum: Float = 0
            Self.pass(data, rows: data.train, shape, weights, gradients: &gradients, training: true, weightSum: &weightSum)
            moments[0].step(&weights.w1, gradient: gradients.w1, total: weightSum, l2: l2, rate: learningRate, epoch: epoch)
            moments[1].step(&weights.b1, gradient: gradients.b1, total: weightSum, l2: 0, rate: learningRate, epoch: epoch)
            moments[2].step(&weights.w2, gradient: gradients.w2, total: weightSum, l2: l2, rate: learningRate, epoch: epoch)
            moments[3].step(&weights.b2, gradient: gradients.b2, total: weightSum, l2: 0, rate: learningRate, epoch: epoch)
            var checkSum: Float = 0
            let loss = Self.pass(data, rows: data.check, shape, weights, gradients: &unused, training: false, weightSum: &checkSum)
            let current = loss / max(1e-12, checkSum)
            if current < best.loss {
                best = (current, weights, epoch)
            } else if epoch - best.epoch >= patience {
                break
            }
        }
        let kept = best.weights
        let hidden = HeadHiddenLayer(weights: (0..<units).map { u in (0..<d).map { kept.w1[$0 * units + u] } }, bias: kept.b1)
        return Network(hidden: hidden, output: (0..<classes).map { Array(kept.w2[$0 * units..<($0 + 1) * units]) }, bias: kept.b2,
                       bestEpoch: best.epoch, epochsRun: epoch)
    }

    /// `target[0..<count] += x * source[0..<count]`, eight lanes at a time: the two loops that
    /// take nearly all of a fit's time.
    @inline(__always)
    private static func addScaled(_ x: Float, _ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var u = 0
        let scale = SIMD8<Float>(repeating: x)
        while u + 8 <= count {
            let s = UnsafeRawPointer(source + u).loadUnaligned(as: SIMD8<Float>.self)
            let t = UnsafeRawPointer(target + u).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + u).storeBytes(of: t + scale * s, as: SIMD8<Float>.self)
            u += 8
        }
        while u < count {
            target[u] += x * source[u]
            u += 1
        }
    }

    private struct Shape {
        let d: Int, units: Int, classes: Int
    }

    /// A network's parameters (w1 transposed, feature-major; w2 class-major), or their gradients.
    private struct Parameters {
        var w1: [Float], b1: [Float], w2: [Float], b2: [Float]
    }

    /// The weighted cross-entropy summed over `rows` (their weights summed into `weightSum`), and
    /// when `training` its gradients (zeroed first) into `gradients`. Single precision, on raw
    /// buffers: the fit's inner loops.
    @discardableResult
    private static func pass(_ data: Prepared, rows: [Int], _ shape: Shape, _ weights: Parameters,
                             gradients: inout Parameters, training: Bool, weightSum: inout Float) -> Float {
        let (d, units, classes) = (shape.d, shape.units, shape.classes)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * units + classes)
        defer { scratch.deallocate() }
        let a = scratch, delta = scratch + units, p = scratch + 2 * units
        var loss: Float = 0
        data.z.withUnsafeBufferPointer { z in
        weights.w1.withUnsafeBufferPointer { w1 in
        weights.w2.withUnsafeBufferPointer { w2 in
        gradients.w1.withUnsafeMutableBufferPointer { g1 in
        gradients.w2.withUnsafeMutableBufferPointer { g2 in
        gradients.b1.withUnsafeMutableBufferPointer { gb1 in
        gradients.b2.withUnsafeMutableBufferPointer { gb2 in
            let (b1, b2) = (weights.b1, weights.b2)
            if training {
                for k in 0..<g1.count { g1[k] = 0 }
                for k in 0..<g2.count { g2[k] = 0 }
                for k in 0..<gb1.count { gb1[k] = 0 }
                for k in 0..<gb2.count { gb2[k] = 0 }
            }
            for i in rows {
                let row = i * d
                for u in 0..<units { a[u] = b1[u] }
                for j in 0..<d {
                    let x = z[row + j]
                    if x == 0 { continue }
                    Self.addScaled(x, w1.baseAddress! + j * units, into: a, count: units)
                }
                var top = -Float.infinity
                for k in 0..<classes {
                    var s = b2[k]
                    for u in 0..<units where a[u] > 0 { s += w2[k * units + u] * a[u] }
                    p[k] = s
                    top = max(top, s)
                }
                var total: Float = 0
                for k in 0..<classes { p[k] = Foundation.exp(p[k] - top); total += p[k] }
                for k in 0..<classes { p[k] /= total }
                let label = data.labels[i] - 1
                let c = data.classWeight[label] * data.rowWeight[i]
                weightSum += c
                loss -= c * Foundation.log(max(1e-12, p[label]))
                guard training else { continue }
                for u in 0..<units { delta[u] = 0 }
                for k in 0..<classes {
                    let g = c * (p[k] - (k == label ? 1 : 0))
                    gb2[k] += g
                    for u in 0..<units where a[u] > 0 {
                        g2[k * units + u] += g * a[u]
                        delta[u] += g * w2[k * units + u]
                    }
                }
                for u in 0..<units where a[u] <= 0 { delta[u] = 0 }
                for u in 0..<units { gb1[u] += delta[u] }
                for j in 0..<d {
                    let x = z[row + j]
                    if x == 0 { continue }
                    Self.addScaled(x, delta, into: g1.baseAddress! + j * units, count: units)
                }
            }
        }
        }
        }
        }
        }
        }
        }
        return loss
    }
}
