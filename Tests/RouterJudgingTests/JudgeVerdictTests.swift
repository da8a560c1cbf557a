import RouterJudging
import Testing

/// The verdict parser and the pairwise arithmetic (pure logic).
@Suite struct JudgeVerdictTests {
    @Test func theLastVerdictInAReplyCounts() {
        #expect(JudgeVerdict.last(in: "Both are correct, but A explains the steps. [[A>B]]") == .aBetter)
        #expect(JudgeVerdict.last(in: "Scale: [[A>>B]] ... [[B>>A]]. A has an arithmetic error, so: [[B>A]]") == .bBetter)
        #expect(JudgeVerdict.last(in: "My final verdict is [[B>>A]].") == .bMuchBetter)
        #expect(JudgeVerdict.last(in: "They are the same.\n[[A=B]]") == .tie)
        #expect(JudgeVerdict.last(in: "[[ B = A ]]") == .tie)
        #expect(JudgeVerdict.last(in: "[[B<A]]") == .aBetter, "B worse than A is A better")
        #expect(JudgeVerdict.last(in: "[[A<<B]]") == .bMuchBetter)
        #expect(JudgeVerdict.last(in: "A is better: [[A>>B]]") == .aMuchBetter)
    }

    @Test func repliesWithoutAVerdictGiveNone() {
        #expect(JudgeVerdict.last(in: "") == nil)
        #expect(JudgeVerdict.last(in: "A is better than B.") == nil)
        #expect(JudgeVerdict.last(in: "[A>B]") == nil, "single brackets are no verdict")
        #expect(JudgeVerdict.last(in: "[[A>A]]") == nil)
        #expect(JudgeVerdict.last(in: "[[C>B]]") == nil)
    }

    @Test func eachOrdersVerdictBecomesTheWeakAnswersMargin() {
        // Strong shown as A: "A>B" means the strong answer is better, d = -1.
        #expect(JudgeVerdict.aBetter.weakMinusStrong(strongIsA: true) == -1)
        #expect(JudgeVerdict.aBetter.weakMinusStrong(strongIsA: false) == 1)
        #expect(JudgeVerdict.bMuchBetter.weakMinusStrong(strongIsA: true) == 2)
        for verdict in JudgeVerdict.allCases { #expect(JudgeVerdict(token: verdict.token) == verdict) }
    }

    @Test func theRowsDScoresAndLabelFollowTheMeanOfBothOrders() {
        // Strong first "A>B" (d -1), weak first "B>A" (d -1): a consistent preference for strong.
        let consistent = PairwiseJudgement(strongFirst: .aBetter, weakFirst: .bBetter)
        #expect(consistent.margins == [-1, -1] && consistent.d == -1)
        #expect(consistent.strongScore == 0.75 && consistent.weakScore == 0.25 && consistent.label == 3)
        #expect(!consistent.ordersDisagree && !consistent.ordersOpposite && !consistent.ordersDiffer)

        // Position bias: the judge prefers whichever answer is shown first.
        let biased = PairwiseJudgement(strongFirst: .aBetter, weakFirst: .aBetter)
        #expect(biased.margins == [-1, 1] && biased.d == 0 && biased.label == 5)
        #expect(biased.ordersDisagree && biased.ordersOpposite && biased.ordersDiffer)

        let halfTie = PairwiseJudgement(strongFirst: .tie, weakFirst: .bBetter)
        #expect(halfTie.d == -0.5 && halfTie.label == 4)
        #expect(halfTie.ordersDisagree && !halfTie.ordersOpposite && halfTie.ordersDiffer)

        let degree = PairwiseJudgement(strongFirst: .aMuchBetter, weakFirst: .bBetter)
        #expect(degree.d == -1.5 && degree.label == 2 && degree.strongScore == 0.875)
        #expect(!degree.ordersDisagree && degree.ordersDiffer)

        #expect(PairwiseJudgement(strongFirst: .aMuchBetter, weakFirst: .bMuchBetter).label == 1)
        #expect(PairwiseJudgement(strongFirst: .bBetter, weakFirst: .aBetter).label == 5)
        #expect([0.0, -0.5, -1, -1.5, -2].map(PairwiseJudgement.label(d:)) == [5, 4, 3, 2, 1])
    }

    @Test func aJudgeThatPrefersAPositionIsWarnedAbout() {
        var summary = JudgeSummary()
        summary.pairwise = 20
        summary.ordersOpposite = 5
        #expect(summary.positionBiasWarning == nil, "25% opposite")
        summary.ordersOpposite = 6
        #expect(summary.positionBiasWarning?.contains("30.0%") == true)
        #expect(summary.report.hasSuffix(summary.positionBiasWarning!))
        summary.pairwise = 4
        summary.ordersOpposite = 4
        #expect(summary.positionBiasWarning == nil, "too few pairs to say")
    }
}
