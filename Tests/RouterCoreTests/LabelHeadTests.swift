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
        LabelHead(modelSHA256: "m", templateSHA256: "t", featureSize: result.mean.count, mean: result.mean, scale: result.scale,
                  weights: result.weights, bias: result.bias, training: ["rows": "250"])
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
}
