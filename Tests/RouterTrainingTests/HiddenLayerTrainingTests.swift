import Foundation
import Testing
@testable import RouterCore
import RouterEvaluation
@testable import RouterTraining

/// `HeadTrainer` with `hiddenUnits`: it learns what a linear head cannot, the same rows give the
/// same head, and members are averaged as one layer.
@Suite struct HiddenLayerTrainingTests {
    /// Points in four quadrants (with noise): label 1 where x and y share a sign, else 2, and a
    /// third feature of noise. No linear head does better than chance on it.
    static func quadrants(rows: Int, seed: UInt64) -> (features: [[Float]], labels: [Int]) {
        var generator = SplitMix64(seed: seed)
        func uniform() -> Float { Float(Double(generator.next() >> 11) / Double(1 << 53)) }
        var features: [[Float]] = [], labels: [Int] = []
        for i in 0..<rows {
            let x: Float = i % 2 == 0 ? 1 : -1, y: Float = (i / 2) % 2 == 0 ? 1 : -1
            features.append([x * (0.3 + uniform()), y * (0.3 + uniform()), uniform() - 0.5])
            labels.append(x * y > 0 ? 1 : 2)
        }
        return (features, labels)
    }

    static func head(_ result: HeadTrainer.Result) -> LabelHead {
        LabelHead(name: "t", identity: ScoringIdentity(modelSHA256: "m", templateSHA256: "t"), featureSize: result.mean.count,
                  mean: result.mean, scale: result.scale, weights: result.weights, bias: result.bias, hidden: result.hidden)
    }

    static func accuracy(_ head: LabelHead, _ data: (features: [[Float]], labels: [Int])) -> Double {
        Double(zip(data.features, data.labels).filter { head.distribution(features: $0.0).label == $0.1 }.count) / Double(data.labels.count)
    }

    @Test func aHiddenLayerLearnsWhatALinearHeadCannot() throws {
        let data = Self.quadrants(rows: 400, seed: 1), fresh = Self.quadrants(rows: 400, seed: 2)
        let linear = HeadTrainer(l2: 1e-3, epochs: 300).fit(features: data.features, labels: data.labels)
        #expect(linear.hidden == nil)
        #expect(Self.accuracy(Self.head(linear), fresh) < 0.7)
        let trainer = HeadTrainer(l2: 1e-3, epochs: 600, hiddenUnits: 8)
        let result = trainer.fit(features: data.features, labels: data.labels)
        let hidden = try #require(result.hidden)
        #expect(hidden.units == 8 && result.weights.count == 5 && result.weights.allSatisfy { $0.count == 8 })
        let head = Self.head(result)
        #expect(head.format == LabelHead.formatWithHiddenLayer && head.shapeProblem == nil)
        #expect(Self.accuracy(head, fresh) >= 0.95, "accuracy on fresh rows")
        #expect(result.validationAccuracy >= 0.95)
    }

    @Test func theSameRowsGiveTheSameNetworkAndMembersAreOneLayer() throws {
        let data = Self.quadrants(rows: 200, seed: 3)
        let one = HeadTrainer(l2: 1e-2, epochs: 80, hiddenUnits: 4).fit(features: data.features, labels: data.labels)
        let again = HeadTrainer(l2: 1e-2, epochs: 80, hiddenUnits: 4).fit(features: data.features, labels: data.labels)
        #expect(one.hidden == again.hidden && one.weights == again.weights && one.bias == again.bias)
        let three = HeadTrainer(l2: 1e-2, epochs: 80, hiddenUnits: 4, members: 3).fit(features: data.features, labels: data.labels)
        let layer = try #require(three.hidden)
        #expect(layer.units == 12)
        // The first member is the single network; its output weights are divided by the count.
        #expect(Array(layer.weights.prefix(4)) == one.hidden!.weights)
        #expect(zip(three.weights[0].prefix(4), one.weights[0]).allSatisfy { abs($0 - $1 / 3) < 1e-6 })
        #expect(layer.weights[4] != layer.weights[0])
    }

    /// Each member draws its start from a stream no other member's overlaps (seeds that differ
    /// by SplitMix64's increment would make member 1's draws member 0's from the second on).
    @Test func membersStartFromStreamsThatDoNotOverlap() {
        let seeds = HeadTrainer.memberSeeds(4)
        #expect(Set(seeds).count == 4)
        let draws = seeds.map { seed -> Set<UInt64> in
            var generator = SplitMix64(seed: seed)
            return Set((0..<50_000).map { _ in generator.next() })
        }
        for i in 0..<4 { for j in (i + 1)..<4 { #expect(draws[i].isDisjoint(with: draws[j]), "members \(i) and \(j)") } }
        #expect(HeadTrainer.memberSeeds(2) == Array(seeds.prefix(2)), "the same starts on every run")
    }
}
