import Foundation
import Testing
@testable import RouterCore
import RouterEvaluation
@testable import RouterTraining

/// The fit (`HeadTrainer`), the L2 grid (`HeadTraining`) and the neighbourhood's fit.
@Suite struct HeadTrainingTests {
    static let identity = ScoringIdentity(modelSHA256: String(repeating: "a", count: 64), templateSHA256: String(repeating: "b", count: 64))

    /// Five well-separated clusters in 8 dimensions (label k around 4 x e_k), deterministic noise.
    static func separable(rows: Int) -> (features: [[Float]], labels: [Int]) {
        var state: UInt64 = 42
        func noise() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Double(state >> 11) / Double(1 << 53)) - 0.5
        }
        var features: [[Float]] = [], labels: [Int] = []
        for i in 0..<rows {
            let label = i % 5 + 1
            features.append((0..<8).map { j in (j == label - 1 ? 4 : 0) + noise() * 2 + (j == 7 ? 10 : 0) })
            labels.append(label)
        }
        return (features, labels)
    }

    @Test func trainingRecoversASeparableSet() {
        let data = Self.separable(rows: 250)
        let result = HeadTrainer(l2: 1e-4, epochs: 400).fit(features: data.features, labels: data.labels)
        #expect(result.validationAccuracy >= 0.95)
        let head = LabelHead(name: "synthetic", identity: ScoringIdentity(modelSHA256: "m", templateSHA256: "t"),
                             featureSize: result.mean.count, mean: result.mean, scale: result.scale, weights: result.weights,
                             bias: result.bias)
        let test = Self.separable(rows: 400)
        let correct = zip(test.features, test.labels).filter { head.distribution(features: $0.0).label == $0.1 }.count
        #expect(Double(correct) / 400 >= 0.95, "accuracy on fresh rows: \(correct)/400")
        let p = head.distribution(features: test.features[0]).probabilities
        #expect(p.count == 5 && abs(p.reduce(0, +) - 1) < 1e-9)
    }

    @Test func trainingPicksAnL2AndSetsTheMedianThreshold() {
        // Two benchmarks, label 5 rows around +1 and label 1 rows around -1 on the first feature.
        func rows(_ name: String, count: Int) -> (BenchmarkDataset, [FeatureCache.Entry]) {
            var generator = SplitMix64(seed: UInt64(count))
            var data: [BenchmarkRow] = [], entries: [FeatureCache.Entry] = []
            for i in 0..<count {
                let weakRight = i % 3 != 0
                let noise = Float(Double(generator.next() >> 11) / Double(1 << 53)) - 0.5
                data.append(BenchmarkRow(id: "\(name)-\(i)", benchmark: name, prompt: "\(name) \(i)", strongScore: 1,
                                         weakScore: weakRight ? 1 : 0, label: weakRight ? 5 : 1, contaminated: false, split: "train"))
                entries.append(FeatureCache.Entry(hiddenState: [(weakRight ? 1 : -1) + noise, noise], labelLogits: [0, 0, 0, 0, noise],
                                                  milliseconds: 1))
            }
            return (BenchmarkDataset(name: name, rows: data), entries)
        }
        let a = rows("a", count: 300), b = rows("b", count: 240)
        let outcome = HeadTraining(l2Grid: [1e-3, 10], epochs: 200)
            .run(name: "t", identity: Self.identity, datasets: [a.0, b.0], entries: [a.1, b.1], description: ["data": "synthetic"])
        #expect(outcome.candidates.count == 2)
        #expect(outcome.candidates[outcome.chosen].validationLoss == outcome.candidates.map(\.validationLoss).min())
        #expect(outcome.candidates[0].validationAPGR.map(\.benchmark) == ["a", "b"])
        // A perfect ranking reaches 1 - (1/3)/2 = 0.833 here (a third of the rows gain from the strong model).
        #expect(outcome.candidates[0].validationAPGR.allSatisfy { $0.apgr > 0.8 })
        let head = outcome.head
        #expect(head.training["rows"] == "540" && head.training["data"] == "synthetic" && head.featureSize == 7)
        // A third of the rows are label 1: the median win rate sits among the label-5 rows, low.
        #expect(head.threshold < 0.5)
        #expect(head.distribution(features: [1, 0, 0, 0, 0, 0, 0]).label == 5)
        #expect(head.distribution(features: [-1, 0, 0, 0, 0, 0, 0]).label == 1)
    }
}

/// Distillation (`train --teacher`): a head fitted to a teacher's win rates, not to grades.
@Suite struct HeadDistillationTests {
    /// Ungraded rows whose first feature the teacher reads: win rate sigmoid(2 x).
    static func rows(_ count: Int) -> (BenchmarkDataset, [FeatureCache.Entry], [Double]) {
        var generator = SplitMix64(seed: 11)
        var data: [BenchmarkRow] = [], entries: [FeatureCache.Entry] = [], teacher: [Double] = []
        for i in 0..<count {
            let x = Float(Double(generator.next() >> 11) / Double(1 << 53)) * 4 - 2
            let noise = Float(Double(generator.next() >> 11) / Double(1 << 53)) - 0.5
            data.append(BenchmarkRow(id: "u-\(i)", benchmark: "everyday", prompt: "p \(i)", strongScore: 0.5, weakScore: 0.5, label: 3,
                                     contaminated: false, split: "train", scoreScale: BenchmarkRow.ungradedScale))
            entries.append(FeatureCache.Entry(hiddenState: [x, noise], labelLogits: [0, 0, 0, 0, 0], milliseconds: 1))
            teacher.append(1 / (1 + Foundation.exp(-2 * Double(x))))
        }
        return (BenchmarkDataset(name: "everyday", rows: data), entries, teacher)
    }

    @Test func theStudentLearnsTheTeachersWinRatesAndItsStrongShare() {
        let (dataset, entries, teacher) = Self.rows(400)
        let targets = DistillationTargets(teacherWinRates: teacher, teacherWeight: 1, teacherThreshold: 0.7)
        let head = HeadTraining(l2Grid: [1e-3], epochs: 400)
            .run(name: "student", identity: HeadTrainingTests.identity, datasets: [dataset], entries: [entries], distillation: targets).head
        #expect(head.target == HeadTarget.strongBetter.rawValue)
        let student = entries.map { head.distribution(features: $0.vector(head.features)!).strongWinRate }
        let largest = zip(student, teacher).map { abs($0 - $1) }.max()!
        #expect(largest < 0.1, "the student's win rates follow the teacher's (largest gap \(largest))")
        let teacherShare = Double(teacher.filter { $0 >= 0.7 }.count) / 400
        let studentShare = Double(student.filter { $0 >= head.threshold }.count) / 400
        #expect(abs(teacherShare - studentShare) <= 0.01, "strong share: teacher \(teacherShare), student \(studentShare)")
    }

    /// A teacher whose win rate is sigmoid(3|x| - 1.5): no linear map of x follows it, a network
    /// student (`--student-hidden`) does, and its head is a plain 5-way head over its units.
    @Test func aNetworkStudentFollowsATeacherNoRidgeCan() throws {
        let (dataset, entries, _) = Self.rows(600)
        let teacher = entries.map { 1 / (1 + Foundation.exp(-(3 * Double(abs($0.hiddenState[0])) - 1.5))) }
        let targets = DistillationTargets(teacherWinRates: teacher, teacherWeight: 1, teacherThreshold: 0.5)
        func gap(_ head: LabelHead) -> Double {
            zip(entries, teacher).map { abs(head.distribution(features: $0.0.vector(head.features)!).strongWinRate - $0.1) }.max()!
        }
        let ridge = HeadTraining().run(name: "ridge", identity: HeadTrainingTests.identity, datasets: [dataset], entries: [entries],
                                       distillation: targets).head
        #expect(ridge.hidden == nil && gap(ridge) > 0.2, "a ridge cannot follow |x| (largest gap \(gap(ridge)))")
        var training = HeadTraining()
        training.studentHiddenUnits = 8
        training.studentMembers = 2
        training.ridgeGrid = [1e-3]
        training.studentLearningRate = 0.02
        let outcome = training.run(name: "network", identity: HeadTrainingTests.identity, datasets: [dataset], entries: [entries],
                                   distillation: targets)
        let head = outcome.head, hidden = try #require(head.hidden)
        #expect(hidden.units == 16 && head.format == LabelHead.formatWithHiddenLayer && head.shapeProblem == nil)
        #expect(head.weights.count == 5 && head.weights.allSatisfy { $0.count == 16 })
        #expect(gap(head) < 0.1, "the network follows the teacher (largest gap \(gap(head)))")
        // The same rows give the same student.
        let again = training.run(name: "network", identity: HeadTrainingTests.identity, datasets: [dataset], entries: [entries],
                                 distillation: targets).head
        #expect(again.hidden == head.hidden && again.weights == head.weights && again.bias == head.bias)
    }

    @Test func gradedRowsMixTheirGradeIntoTheTarget() {
        let row = BenchmarkRow(id: "g", benchmark: "gsm8k", prompt: "q", strongScore: 1, weakScore: 0, label: 1, contaminated: false,
                               split: "train")
        let ungraded = BenchmarkRow(id: "u", benchmark: "everyday", prompt: "q", strongScore: 0.5, weakScore: 0.5, label: 3,
                                    contaminated: false, split: "train", scoreScale: BenchmarkRow.ungradedScale)
        let targets = DistillationTargets(teacherWinRates: [0.2, 0.2], teacherWeight: 0.75, teacherThreshold: 0.5)
        // Graded: 0.75 x 0.2 + 0.25 x 1 (the strong model clearly won); ungraded: the teacher's alone.
        #expect(abs(targets.strongWinProbability(row: 0, row) - 0.4) < 1e-9)
        #expect(abs(targets.strongWinProbability(row: 1, ungraded) - 0.2) < 1e-9)
    }
}

/// Where a head's training rows lie (`HeadNeighbourhood.fit`): the out-of-distribution score's reference.
@Suite struct HeadNeighbourhoodFittingTests {
    /// Rows around two centres in 12 dimensions, deterministic noise.
    static func rows(_ count: Int, seed: UInt64 = 7) -> [[Float]] {
        var state = seed
        func noise() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Double(state >> 11) / Double(1 << 53)) - 0.5
        }
        return (0..<count).map { i in (0..<12).map { j in (j == i % 2 ? 3 : 0) + noise() } }
    }

    @Test func queriesLikeTheTrainingRowsAreInsideAndFarOnesOutside() {
        let training = Self.rows(300)
        let held = Array(stride(from: 9, to: 300, by: 10))
        let neighbourhood = HeadNeighbourhood.fit(standardised: training, heldOut: held, components: 4, k: 5)
        #expect(neighbourhood.components.count == 4 && neighbourhood.points.count == 270 && neighbourhood.k == 5)
        #expect(neighbourhood.reference == neighbourhood.reference.sorted() && neighbourhood.threshold > 0)
        let fresh = Self.rows(200, seed: 99)
        let outside = fresh.filter { neighbourhood.distance(projected: neighbourhood.project($0)) > neighbourhood.threshold }.count
        #expect(outside < 40, "fresh rows from the same distribution flagged: \(outside)/200")
        let far = [Float](repeating: 9, count: 12)
        let distance = neighbourhood.distance(projected: neighbourhood.project(far))
        #expect(distance > neighbourhood.threshold && neighbourhood.score(distance: distance) == 1)
        #expect(neighbourhood.score(distance: 0) == 0)
        #expect(neighbourhood.shapeProblem(featureSize: 12) == nil)
        #expect(neighbourhood.shapeProblem(featureSize: 13) != nil)
    }

    @Test func principalDirectionsAreOrthonormalAndFindTheSpread() {
        // All the spread lies along (1, 1, 0, 0) / sqrt(2).
        let rows: [[Float]] = (0..<50).map { i in let t = Float(i - 25) / 5; return [t, t, 0.01 * Float(i % 3), 0] }
        let q = HeadNeighbourhood.principalDirections(rows, count: 2, width: 4)
        let first = q[0]
        #expect(abs(abs(first[0]) - 0.7071) < 1e-2 && abs(abs(first[1]) - 0.7071) < 1e-2)
        var dot: Float = 0, norm: Float = 0
        for j in 0..<4 { dot += q[0][j] * q[1][j]; norm += q[1][j] * q[1][j] }
        #expect(abs(dot) < 1e-4 && abs(norm - 1) < 1e-4)
    }

}
