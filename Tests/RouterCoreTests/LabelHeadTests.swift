import Foundation
import Testing
@testable import RouterCore

@Suite struct LabelHeadTests {
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

    func head(from result: HeadTrainer.Result) -> LabelHead {
        LabelHead(name: "synthetic", identity: ScoringIdentity(modelSHA256: "m", templateSHA256: "t"), featureSize: result.mean.count,
                  mean: result.mean, scale: result.scale, weights: result.weights, bias: result.bias, training: ["rows": "250"])
    }

    @Test func trainingRecoversASeparableSet() {
        let data = Self.separable(rows: 250)
        let result = HeadTrainer(l2: 1e-4, epochs: 400).fit(features: data.features, labels: data.labels)
        #expect(result.validationAccuracy >= 0.95)
        let head = head(from: result)
        let test = Self.separable(rows: 400)
        let correct = zip(test.features, test.labels).filter { head.distribution(features: $0.0).label == $0.1 }.count
        #expect(Double(correct) / 400 >= 0.95, "accuracy on fresh rows: \(correct)/400")
        let p = head.distribution(features: test.features[0]).probabilities
        #expect(p.count == 5 && abs(p.reduce(0, +) - 1) < 1e-9)
    }

    @Test func headFilesRoundTrip() throws {
        let data = Self.separable(rows: 50)
        let head = head(from: HeadTrainer(epochs: 20).fit(features: data.features, labels: data.labels))
        let encoded = try JSONEncoder().encode(head)
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(text.contains("\"model_sha256\":\"m\"") && text.contains("\"feature_size\":8"))
        let decoded = try JSONDecoder().decode(LabelHead.self, from: encoded)
        #expect(decoded == head)
        #expect(decoded.distribution(features: data.features[3]) == head.distribution(features: data.features[3]))
    }

    @Test func aHeadForAnotherModelOrTemplateIsRefused() {
        let data = Self.separable(rows: 50)
        let head = head(from: HeadTrainer(epochs: 5).fit(features: data.features, labels: data.labels))
        #expect(throws: Never.self) { try head.check(against: ScoringIdentity(modelSHA256: "m", templateSHA256: "t"), path: "h.json") }
        #expect(throws: RouterError.headMismatch(path: "h.json", what: "model", expected: "m", actual: "other")) {
            try head.check(against: ScoringIdentity(modelSHA256: "other", templateSHA256: "t"), path: "h.json")
        }
        #expect(throws: RouterError.headMismatch(path: "h.json", what: "template", expected: "t", actual: "x")) {
            try head.check(against: ScoringIdentity(modelSHA256: "m", templateSHA256: "x"), path: "h.json")
        }
        let message = RouterError.headMismatch(path: "h.json", what: "template", expected: "t", actual: "x").description
        #expect(message.contains("another template") && message.contains("causal-router train"))
    }

    @Test func brokenHeadFilesAreRefusedWithTheReason() throws {
        let data = Self.separable(rows: 50)
        let good = head(from: HeadTrainer(epochs: 5).fit(features: data.features, labels: data.labels))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("heads-\(UUID().uuidString)").path
        let path = folder + "/h.json"
        try good.write(to: path)
        #expect(try LabelHead.load(path: path) == good)

        var short = good
        short.weights[2].removeLast()
        try short.write(to: path)
        #expect(throws: RouterError.headInvalid(path: path, reason: "weights must be 5 x feature_size and bias 5 values")) {
            try LabelHead.load(path: path)
        }
        var nan = good
        nan.mean[0] = .nan
        #expect(nan.shapeProblem != nil)
        try Data("{\"format\": 1}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: RouterError.self) { try LabelHead.load(path: path) }
        #expect(throws: RouterError.fileUnreadable(path: folder + "/none.json")) { try LabelHead.load(path: folder + "/none.json") }
    }

    /// Found by Fuzz/Head (.fuzz artifact, now Fuzz/corpus/head/regression-overflow): weights of
    /// 2.1e38 summed in single precision overflowed to infinity and the head answered NaN.
    @Test func headsWhoseArithmeticCouldOverflowAreRefusedAndSumsAreInDoublePrecision() throws {
        let data = Self.separable(rows: 50)
        var head = head(from: HeadTrainer(epochs: 5).fit(features: data.features, labels: data.labels))
        #expect(head.shapeProblem == nil)
        var huge = head
        huge.weights[1] = huge.weights[1].map { _ in 2.1e38 }
        #expect(huge.shapeProblem?.contains("beyond") == true)
        var tiny = head
        tiny.scale[0] = 1e-30
        #expect(tiny.shapeProblem?.contains("scales below") == true)
        // At the bounds the distribution stays finite: the logits are summed in double precision.
        head.weights = head.weights.map { $0.map { _ in 1e6 } }
        head.weights[0] = head.weights[0].map { _ in -1e6 }
        head.scale = head.scale.map { _ in 1e-6 }
        #expect(head.shapeProblem == nil)
        let p = head.distribution(features: [Float](repeating: 1e6, count: head.featureSize)).probabilities
        #expect(p.allSatisfy { $0.isFinite && $0 >= 0 } && abs(p.reduce(0, +) - 1) < 1e-9, "\(p)")
        let replay = try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.root + "/Fuzz/corpus/head/regression-overflow"))
        #expect(throws: RouterError.self) { try LabelHead.decode(replay, path: "regression-overflow") }
    }

    @Test func weakOKTargetsMapLabelsToTwoClasses() {
        #expect((1...5).map(HeadTarget.weakOK.trainingLabel(for:)) == [1, 1, 1, 5, 5])
        #expect((1...5).map(HeadTarget.label.trainingLabel(for:)) == [1, 2, 3, 4, 5])
    }

    @Test func applyingAHeadKeepsTheZeroShotLogitsAndNamesTheHead() {
        let head = LabelHead(name: "h", identity: ScoringIdentity(modelSHA256: "m", templateSHA256: "t"), featureSize: 7,
                             mean: Array(repeating: 0, count: 7), scale: Array(repeating: 1, count: 7),
                             weights: (0..<5).map { k in (0..<7).map { $0 == 0 && k == 4 ? 1 : 0 } }, bias: [0, 0, 0, 0, 0])
        let scored = ScoredQuery(distribution: LabelDistribution(logits: [5, 0, 0, 0, 0]), truncated: false, promptTokens: 9,
                                 hiddenState: [10, 0], labelLogits: [5, 0, 0, 0, 0])
        let headed = head.apply(to: scored)
        #expect(headed.head == "h" && headed.labelLogits == [5, 0, 0, 0, 0] && headed.promptTokens == 9)
        #expect(headed.distribution.label == 5 && scored.distribution.label == 1)
    }
}
