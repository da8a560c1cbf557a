import Foundation

/// A probability distribution over the five quality labels (1 = only the strong model answers
/// well ... 5 = the weak model answers as well as the strong one).
public struct LabelDistribution: Equatable, Sendable {
    public static let labels = 1...5

    /// P(label = 1) ... P(label = 5), summing to 1.
    public let probabilities: [Double]

    /// Softmax over the five label logits only (numerically stable).
    public init(logits: [Float]) {
        self.init(preciseLogits: logits.map { Double($0) })
    }

    /// Softmax over five logits computed in double precision (a head's), numerically stable.
    public init(preciseLogits values: [Double]) {
        precondition(values.count == Self.labels.count, "one logit per label")
        let maximum = values.max()!
        let exps = values.map { exp($0 - maximum) }
        let total = exps.reduce(0, +)
        self.probabilities = exps.map { $0 / total }
    }

    /// A distribution given directly (must hold five non-negative values summing to 1).
    public init(probabilities: [Double]) {
        precondition(probabilities.count == Self.labels.count, "one probability per label")
        self.probabilities = probabilities
    }

    /// The most likely label (the lowest on a tie).
    public var label: Int {
        var best = 0
        for i in probabilities.indices where probabilities[i] > probabilities[best] { best = i }
        return best + 1
    }

    /// E[label] = sum of label x probability.
    public var expectedScore: Double {
        zip(Self.labels, probabilities).reduce(0) { $0 + Double($1.0) * $1.1 }
    }

    /// RouteLLM's strong-model win rate: P(1) + P(2) + P(3).
    public var strongWinRate: Double { probabilities[0] + probabilities[1] + probabilities[2] }
}
