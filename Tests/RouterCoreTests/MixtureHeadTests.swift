import Foundation
import Testing
@testable import RouterCore

@Suite struct MixtureHeadTests {
    static let identity = ScoringIdentity(modelSHA256: "m", templateSHA256: "t")

    /// A head over two features whose logits are `weights · z + bias`.
    static func head(_ name: String, weights: [[Float]], bias: [Float]) -> LabelHead {
        LabelHead(name: name, identity: identity, featureSize: 2, mean: [0, 0], scale: [1, 1], weights: weights, bias: bias)
    }

    @Test func theGateWeighsTheExpertsPerQuery() throws {
        // Expert "math" always says label 1 (strong), expert "chat" always label 5 (weak).
        let math = Self.head("math", weights: Array(repeating: [0, 0], count: 5), bias: [9, 0, 0, 0, 0])
        let chat = Self.head("chat", weights: Array(repeating: [0, 0], count: 5), bias: [0, 0, 0, 0, 9])
        // The gate: feature 0 > 0 means "like math" (class 1), feature 1 > 0 "like chat" (class 2).
        var mixture = Self.head("mixture", weights: [[4, 0], [0, 4], [0, 0], [0, 0], [0, 0]], bias: [0, 0, -50, -50, -50])
        mixture.experts = [math, chat]
        mixture.format = LabelHead.formatWithFeatures
        let mathLike = mixture.distribution(features: [3, 0])
        let chatLike = mixture.distribution(features: [0, 3])
        #expect(mathLike.strongWinRate > 0.99 && chatLike.strongWinRate < 0.01)
        let even = mixture.expertWeights(features: [0, 0])
        #expect(even.count == 2 && abs(even[0] - 0.5) < 1e-6)
        #expect(abs(mixture.distribution(features: [0, 0]).strongWinRate - 0.5) < 0.01)
        #expect(mixture.shapeProblem == nil)
        let decoded = try JSONDecoder().decode(LabelHead.self, from: JSONEncoder().encode(mixture))
        #expect(decoded == mixture && decoded.experts?.map(\.name) == ["math", "chat"])
        var nested = mixture
        nested.experts = [mixture]
        #expect(nested.shapeProblem?.contains("experts cannot have experts") == true)
        var wide = mixture
        wide.experts = [Self.head("x", weights: Array(repeating: [0, 0, 0], count: 5), bias: [0, 0, 0, 0, 0])]
        wide.experts![0].featureSize = 3
        #expect(wide.shapeProblem != nil)
    }
}
