/// One labeled query of the routing data (shared/data/README.md): the prompt, both models'
/// graded scores, the 1-5 label, and the fixed split.
public struct BenchmarkRow: Equatable, Sendable {
    public var id: String
    public var benchmark: String
    public var prompt: String
    public var strongScore: Double
    public var weakScore: Double
    public var label: Int
    public var contaminated: Bool
    public var split: String
    /// How the scores were graded (`correct`, `judge_1_10`, `obvious`, ...; "" when unstated).
    public var scoreScale: String
    /// The row's kind within its file (`category`; "" when unstated).
    public var category: String

    public init(id: String, benchmark: String, prompt: String, strongScore: Double, weakScore: Double,
                label: Int, contaminated: Bool = false, split: String = "test", scoreScale: String = "", category: String = "") {
        self.id = id
        self.benchmark = benchmark
        self.prompt = prompt
        self.strongScore = strongScore
        self.weakScore = weakScore
        self.label = label
        self.contaminated = contaminated
        self.split = split
        self.scoreScale = scoreScale
        self.category = category
    }

    /// The `score_scale` of the obvious-cases set (data/obvious/README.md): strong 1, weak 1
    /// (easy, label 5) or 0 (hard, label 1).
    public static let obviousScale = "obvious"

    /// The strong model is needed: its answer scored above the weak one's (the obvious-cases
    /// set's hard prompts).
    public var strongNeeded: Bool { strongScore > weakScore }

    /// The `score_scale` of prompts no one graded (data/obvious/everyday.jsonl): their scores and
    /// label are placeholders, usable where only the prompt counts (the prior's "neither" rows, a
    /// teacher's targets when a head is distilled).
    public static let ungradedScale = "ungraded"

    /// Whether the row's scores and label are real grades.
    public var isGraded: Bool { scoreScale != Self.ungradedScale }
}
