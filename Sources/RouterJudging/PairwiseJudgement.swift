/// The two verdicts on one pair, asked in both orders to cancel the judge's position bias:
/// first with the strong answer as A, then with the weak answer as A. Each verdict gives d, the
/// weak answer's margin over the strong one (-2...2); the row's d is their mean.
public struct PairwiseJudgement: Equatable, Sendable {
    /// The verdict with the strong answer shown as A.
    public var strongFirst: JudgeVerdict
    /// The verdict with the weak answer shown as A.
    public var weakFirst: JudgeVerdict

    public init(strongFirst: JudgeVerdict, weakFirst: JudgeVerdict) {
        self.strongFirst = strongFirst
        self.weakFirst = weakFirst
    }

    /// Each order's d, weak minus strong: [strong first, weak first].
    public var margins: [Int] {
        [strongFirst.weakMinusStrong(strongIsA: true), weakFirst.weakMinusStrong(strongIsA: false)]
    }

    /// The mean of the two orders' d: -2...2 in steps of 0.5.
    public var d: Double { Double(margins[0] + margins[1]) / 2 }

    /// Scores on a win-rate-like 0...1 scale (`score_scale` "pairwise"): 0.5 each on a tie.
    public var strongScore: Double { 0.5 - d / 4 }
    public var weakScore: Double { 0.5 + d / 4 }

    /// The 1-5 label: 5 when the weak answer is at least as good, then one step per half point of d.
    public var label: Int { Self.label(d: d) }

    public static func label(d: Double) -> Int {
        if d >= 0 { return 5 }
        if d >= -0.5 { return 4 }
        if d >= -1 { return 3 }
        if d >= -1.5 { return 2 }
        return 1
    }

    /// The orders disagree: their d's differ in sign, one of them 0 and the other not included.
    public var ordersDisagree: Bool { Self.ordersDisagree(margins) }

    /// The orders point opposite ways (one prefers the weak answer, the other the strong one).
    public var ordersOpposite: Bool { Self.ordersOpposite(margins) }

    /// The orders' d's are not the same (a difference of degree counts too).
    public var ordersDiffer: Bool { Self.ordersDiffer(margins) }

    // The rules on a pair of margins, so a row read back from the output (which keeps only its
    // margins) is counted as when it was judged.
    static func ordersDisagree(_ margins: [Int]) -> Bool { margins[0].signum() != margins[1].signum() }
    static func ordersOpposite(_ margins: [Int]) -> Bool { margins[0].signum() * margins[1].signum() < 0 }
    static func ordersDiffer(_ margins: [Int]) -> Bool { margins[0] != margins[1] }
}
