import Foundation
import Testing
@testable import RouterCore

@Suite struct LabelHeadTests {
    /// Deterministic feature rows in 8 dimensions.
    static func features(rows: Int) -> [[Float]] {
        (0..<rows).map { (i: Int) -> [Float] in
            (0..<8).map { (j: Int) -> Float in
                let offset: Float = j == 7 ? 10 : 0
                return Float((i * 7 + j * 3) % 11) - 5 + offset
            }
        }
    }

    /// A head over these rows without fitting one (training is RouterTraining's, tested there):
    /// the features standardised by their mean and spread, label k weighing feature k - 1.
    func head(for features: [[Float]]) -> LabelHead {
        let d = features[0].count, n = Float(features.count)
        let mean = (0..<d).map { j in features.map { $0[j] }.reduce(0, +) / n }
        let scale = (0..<d).map { (j: Int) -> Float in
            let variance = features.map { ($0[j] - mean[j]) * ($0[j] - mean[j]) }.reduce(0, +) / n
            return max(1e-3, variance.squareRoot())
        }
        let weights = (0..<5).map { (k: Int) -> [Float] in (0..<d).map { (j: Int) -> Float in j == k ? 2 : 0 } }
        return LabelHead(name: "synthetic", identity: ScoringIdentity(modelSHA256: "m", templateSHA256: "t"), featureSize: d,
                         mean: mean, scale: scale, weights: weights, bias: [0, 0, 0, 0, 0], training: ["rows": String(features.count)])
    }

    @Test func headFilesRoundTrip() throws {
        let data = Self.features(rows: 50)
        let head = head(for: data)
        let encoded = try JSONEncoder().encode(head)
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(text.contains("\"model_sha256\":\"m\"") && text.contains("\"feature_size\":8"))
        let decoded = try JSONDecoder().decode(LabelHead.self, from: encoded)
        #expect(decoded == head)
        #expect(decoded.distribution(features: data[3]) == head.distribution(features: data[3]))
    }

    @Test func aHeadForAnotherModelOrTemplateIsRefused() {
        let data = Self.features(rows: 50)
        let head = head(for: data)
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
        let data = Self.features(rows: 50)
        let good = head(for: data)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("heads-\(UUID().uuidString)").path
        let path = folder + "/h.json"
        try good.write(to: path)
        var loaded = try LabelHead.load(path: path)
        #expect(loaded.fileSHA256 == SHA256.hex(Array(try Data(contentsOf: URL(fileURLWithPath: path)))), "the file's hash, for verdicts")
        loaded.fileSHA256 = nil
        #expect(loaded == good)

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
        let data = Self.features(rows: 50)
        var head = head(for: data)
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
