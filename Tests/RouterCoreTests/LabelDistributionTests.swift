import Testing
@testable import RouterCore

@Suite struct LabelDistributionTests {
    @Test func softmaxOverFiveLogitsSumsToOne() {
        let distribution = LabelDistribution(logits: [1, 2, 3, 4, 5])
        #expect(abs(distribution.probabilities.reduce(0, +) - 1) < 1e-12)
        #expect(distribution.label == 5)
        #expect(distribution.probabilities == distribution.probabilities.sorted())
    }

    @Test func uniformLogitsGiveTheMiddleScoreAndLowestLabelOnTies() {
        let distribution = LabelDistribution(logits: [0.5, 0.5, 0.5, 0.5, 0.5])
        #expect(distribution.probabilities.allSatisfy { abs($0 - 0.2) < 1e-12 })
        #expect(distribution.label == 1)
        #expect(abs(distribution.expectedScore - 3) < 1e-12)
        #expect(abs(distribution.strongWinRate - 0.6) < 1e-12)
    }

    @Test func hugeLogitsStayFinite() {
        let distribution = LabelDistribution(logits: [1000, -1000, 0, 999, 1000])
        #expect(distribution.probabilities.allSatisfy { $0.isFinite })
        #expect(abs(distribution.probabilities[0] - distribution.probabilities[4]) < 1e-12)
        #expect(distribution.label == 1)
    }

    @Test func derivedValuesFromKnownProbabilities() {
        let distribution = LabelDistribution(probabilities: [0.1, 0.2, 0.3, 0.25, 0.15])
        #expect(abs(distribution.strongWinRate - 0.6) < 1e-12)
        #expect(abs(distribution.expectedScore - (0.1 + 0.4 + 0.9 + 1.0 + 0.75)) < 1e-12)
        #expect(distribution.label == 3)
    }
}
