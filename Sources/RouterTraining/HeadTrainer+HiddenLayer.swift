import Foundation
import RouterCore
import RouterEvaluation

extension HeadTrainer {
    /// A regression network: `hiddenUnits` rectified units and one output fitted to `targets`
    /// by weighted squared error (a distilled student's fit to its teacher's log-odds,
    /// `DistillationFit`), with the classifier's L2, full-batch Adam, early stopping and members.
    /// The result's `weights` and `bias` are the output's: one row of `hiddenUnits x members`
    /// weights, one bias; its validation loss is half the weighted mean squared error.
    public func fitRegression(features: [[Float]], targets: [Float], rowWeights: [Float]? = nil) -> Result {
        precondition(hiddenUnits > 0, "a regression network has a hidden layer")
        let prepared = Prepared(features: features, labels: features.map { _ in 1 }, rowWeights: rowWeights,
                                heldOut: validationRows(count: features.count), targets: targets)
        return fitWithHiddenLayer(prepared)
    }

    /// One hidden layer of rectified units (`hiddenUnits`), the same loss, L2 (on both layers'
    /// weights), full-batch Adam and early stopping as the linear fit; `members` networks from
    /// different seeded random starts, their logits averaged. Deterministic: the starts come from
    /// a fixed seed, so the same rows give the same head.
    func fitWithHiddenLayer(_ data: Prepared) -> Result {
        let fits = Self.memberSeeds(max(1, members)).map { fitNetwork(data, seed: $0) }
        // Averaging the members' logits is one network whose hidden layer holds all their units
        // (member after member) and whose output weights are theirs divided by the count.
        let count = Float(fits.count), d = data.d, units = hiddenUnits, classes = data.outputs
        let merged = Parameters(
            w1: (0..<d).flatMap { j in fits.flatMap { $0.weights.w1[j * units..<(j + 1) * units] } },
            b1: fits.flatMap(\.weights.b1),
            w2: (0..<classes).flatMap { k in fits.flatMap { $0.weights.w2[k * units..<(k + 1) * units].map { $0 / count } } },
            b2: (0..<classes).map { k in fits.map { $0.weights.b2[k] }.reduce(0, +) / count })
        var checkSum: Float = 0, unused = Parameters(w1: [], b1: [], w2: [], b2: [])
        let check = Self.pass(data, rows: data.check, merged, gradients: &unused, training: false, weightSum: &checkSum)
        let all = merged.b1.count
        let hidden = HeadHiddenLayer(weights: (0..<all).map { u in (0..<d).map { merged.w1[$0 * all + u] } }, bias: merged.b1)
        // With several members, the latest epoch any of them kept and the most any of them ran.
        return Result(mean: data.mean, scale: data.scale, weights: (0..<classes).map { Array(merged.w2[$0 * all..<($0 + 1) * all]) },
                      bias: merged.b2, hidden: hidden,
                      bestEpoch: fits.map(\.bestEpoch).max() ?? 0, epochsRun: fits.map(\.epochsRun).max() ?? 0,
                      validationLoss: check.loss / max(1e-12, checkSum),
                      validationAccuracy: Float(check.correct) / Float(max(1, data.check.count)), validationRows: data.held)
    }

    /// The members' random starts: successive draws of one fixed generator. (Seeds that differ
    /// by a multiple of SplitMix64's own increment give streams that are one another shifted: the
    /// first version, seeded C x (m + 1), started member m as member 0 with its units shifted.)
    static func memberSeeds(_ count: Int) -> [UInt64] {
        var generator = SplitMix64(seed: 0x6869_6464_656E_2D67)
        return (0..<count).map { _ in generator.next() }
    }

    /// One network of `hiddenUnits` units from the random start `seed` gives.
    private func fitNetwork(_ data: Prepared, seed: UInt64) -> (weights: Parameters, bestEpoch: Int, epochsRun: Int) {
        let d = data.d, units = hiddenUnits, classes = data.outputs
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

        var epoch = 0
        while epoch < epochs {
            epoch += 1
            var weightSum: Float = 0
            Self.pass(data, rows: data.train, weights, gradients: &gradients, training: true, weightSum: &weightSum)
            moments[0].step(&weights.w1, gradient: gradients.w1, total: weightSum, l2: l2, rate: learningRate, epoch: epoch)
            moments[1].step(&weights.b1, gradient: gradients.b1, total: weightSum, l2: 0, rate: learningRate, epoch: epoch)
            moments[2].step(&weights.w2, gradient: gradients.w2, total: weightSum, l2: l2, rate: learningRate, epoch: epoch)
            moments[3].step(&weights.b2, gradient: gradients.b2, total: weightSum, l2: 0, rate: learningRate, epoch: epoch)
            var checkSum: Float = 0
            let current = Self.pass(data, rows: data.check, weights, gradients: &unused, training: false, weightSum: &checkSum).loss
                / max(1e-12, checkSum)
            if current < best.loss {
                best = (current, weights, epoch)
            } else if epoch - best.epoch >= patience {
                break
            }
        }
        return (best.weights, best.epoch, epoch)
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

    /// A network's parameters (w1 transposed, feature-major; w2 class-major), or their gradients.
    private struct Parameters {
        var w1: [Float], b1: [Float], w2: [Float], b2: [Float]
    }

    /// The weighted cross-entropy (or half squared error, for a regression) summed over `rows`
    /// (their weights summed into `weightSum`) and how many rows the network labels right (or
    /// puts on the target's side of 0), and when `training` the loss's gradients (zeroed first)
    /// into `gradients`. Single precision, on raw buffers: the fit's inner loops.
    @discardableResult
    private static func pass(_ data: Prepared, rows: [Int], _ weights: Parameters,
                             gradients: inout Parameters, training: Bool, weightSum: inout Float) -> (loss: Float, correct: Int) {
        let (d, units, classes) = (data.d, weights.b1.count, weights.b2.count)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * units + classes)
        defer { scratch.deallocate() }
        let a = scratch, delta = scratch + units, p = scratch + 2 * units
        var loss: Float = 0, correct = 0
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
                // The output's error: p - one-hot(label) for the classifier's softmax and
                // cross-entropy, output - target for the regression's squared error.
                let c: Float
                if let targets = data.targets {
                    c = data.rowWeight[i]
                    let error = p[0] - targets[i]
                    loss += c * error * error / 2
                    if (p[0] >= 0) == (targets[i] >= 0) { correct += 1 }
                    p[0] = error
                } else {
                    var total: Float = 0
                    for k in 0..<classes { p[k] = Foundation.exp(p[k] - top); total += p[k] }
                    for k in 0..<classes { p[k] /= total }
                    let label = data.labels[i] - 1
                    c = data.classWeight[label] * data.rowWeight[i]
                    loss -= c * Foundation.log(max(1e-12, p[label]))
                    if (0..<classes).max(by: { p[$0] < p[$1] }) == label { correct += 1 }
                    p[label] -= 1
                }
                weightSum += c
                guard training else { continue }
                for u in 0..<units { delta[u] = 0 }
                for k in 0..<classes {
                    let g = c * p[k]
                    gb2[k] += g
                    for u in 0..<units where a[u] > 0 {
                        g2[k * units + u] += g * a[u]
                        delta[u] += g * w2[k * units + u]
                    }
                }
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
        return (loss, correct)
    }
}
