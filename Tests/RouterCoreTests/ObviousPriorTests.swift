import Foundation
import Testing
@testable import RouterCore

/// The obvious-cases prior's arithmetic, with a gate whose belief the features set directly.
@Suite struct ObviousPriorTests {
    static let identity = ScoringIdentity(modelSHA256: "m", templateSHA256: "t")

    /// Over two features: feature 0 > 0 means obviously easy, feature 1 > 0 obviously hard,
    /// both 0 neither (labels 4 and 5 never).
    static let gate = LabelHead(name: "gate", identity: identity, features: .finalStateAndLogits, featureSize: 2, mean: [0, 0],
                                scale: [1, 1], weights: [[40, 0], [0, 40], [0, 0], [0, 0], [0, 0]], bias: [0, 0, 20, -99, -99])
    static let prior = ObviousPrior(gate: gate, easyCeiling: 0.4, hardFloor: 0.6)
    static let easy: [Float] = [1, 0], hard: [Float] = [0, 1], neither: [Float] = [0, 0]

    @Test func obviousQueriesCrossTheBandAndOthersKeepTheirWinRate() {
        let strongish = LabelDistribution(probabilities: [0.5, 0.2, 0.1, 0.1, 0.1])  // win rate 0.8
        let weakish = LabelDistribution(probabilities: [0.1, 0.1, 0.1, 0.3, 0.4])    // win rate 0.3
        let lowered = Self.prior.apply(to: strongish, features: Self.easy)
        #expect(abs(lowered.strongWinRate - 0.4) < 1e-6, "an obviously easy query is brought down to the ceiling")
        #expect(abs(lowered.probabilities[0] / lowered.probabilities[1] - 2.5) < 1e-6, "the shape within a side is kept")
        #expect(abs(Self.prior.apply(to: weakish, features: Self.easy).strongWinRate - 0.3) < 1e-6, "already below: unchanged")
        #expect(abs(Self.prior.apply(to: weakish, features: Self.hard).strongWinRate - 0.6) < 1e-6, "an obviously hard one is raised to the floor")
        #expect(abs(Self.prior.apply(to: strongish, features: Self.hard).strongWinRate - 0.8) < 1e-6, "already above: unchanged")
        #expect(abs(Self.prior.apply(to: strongish, features: Self.neither).strongWinRate - 0.8) < 1e-6)
        #expect(abs(Self.prior.apply(to: weakish, features: Self.neither).strongWinRate - 0.3) < 1e-6)
        let total = Self.prior.apply(to: strongish, features: [0.01, 0]).probabilities.reduce(0, +)
        #expect(abs(total - 1) < 1e-9)
    }

    @Test func aSideWithoutMassGetsItOnItsExtremeLabel() {
        let certain = LabelDistribution(probabilities: [0, 0, 0, 0, 1])
        let raised = ObviousPrior.withWinRate(certain, 0.6)
        #expect(raised == [0.6, 0, 0, 0, 0.4])
    }

    @Test func aHeadWithThePriorAppliesItAfterItsOwnDistribution() throws {
        // The head always says label 1 (win rate ~1): an obviously easy query still goes down.
        var head = LabelHead(name: "h", identity: Self.identity, featureSize: 2, mean: [0, 0], scale: [1, 1],
                             weights: Array(repeating: [0, 0], count: 5), bias: [9, 0, 0, 0, 0])
        head.obviousPrior = Self.prior
        #expect(head.shapeProblem == nil)
        #expect(abs(head.distribution(features: Self.easy).strongWinRate - 0.4) < 1e-4)
        #expect(head.distribution(features: Self.neither).strongWinRate > 0.99)
        let decoded = try LabelHead.decode(JSONEncoder().encode(head), path: "h.json")
        #expect(decoded == head && decoded.obviousPrior?.hardFloor == 0.6)
        var inverted = head
        inverted.obviousPrior?.easyCeiling = 0.7
        #expect(inverted.shapeProblem?.contains("easy_ceiling <= hard_floor") == true)
        var wide = head
        wide.obviousPrior?.gate.featureSize = 3
        #expect(wide.shapeProblem?.contains("other features") == true)
    }
}
