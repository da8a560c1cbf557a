/// A hidden layer between a head's standardised features and its five label logits: rectified
/// linear units, `units = weights.count`, each a weighted sum of the standardised features plus
/// its bias. The obvious-cases prior's gate can use one (`train --gate-hidden N`): a linear gate
/// on the final state and the label logits reads unseen exam questions as obviously easy or
/// misses unseen easy kinds, whichever side it is tuned for (docs/heads.md, rounds 10 and 11);
/// round 12 compares the two gates. So can a distilled student (`train --teacher --student-hidden
/// N`): a linear map of a few frozen blocks follows the teacher's ranking of everyday chat less
/// closely (docs/frontier.md).
public struct HeadHiddenLayer: Codable, Equatable, Sendable {
    /// weights[unit][feature].
    public var weights: [[Float]]
    public var bias: [Float]

    public init(weights: [[Float]], bias: [Float]) {
        self.weights = weights
        self.bias = bias
    }

    public var units: Int { weights.count }

    /// The units' outputs for standardised features `z` (accumulated in double precision, as
    /// the head's logits are).
    public func activations(_ z: [Double]) -> [Double] {
        weights.indices.map { unit in
            var sum = Double(bias[unit])
            weights[unit].withUnsafeBufferPointer { w in
                for j in 0..<z.count { sum += Double(w[j]) * z[j] }
            }
            return max(0, sum)
        }
    }

    /// Why it does not fit features of `featureSize` values, if it does not.
    func shapeProblem(featureSize: Int, largestValue: Float) -> String? {
        if weights.isEmpty || bias.count != weights.count || weights.contains(where: { $0.count != featureSize }) {
            return "the hidden layer must be units x feature_size weights and one bias a unit (at least one unit)"
        }
        let values = bias + weights.joined()
        if values.contains(where: { !$0.isFinite || abs($0) > largestValue }) {
            return "the hidden layer holds non-finite values or values beyond +-\(largestValue)"
        }
        return nil
    }
}
