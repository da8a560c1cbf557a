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

    public init(id: String, benchmark: String, prompt: String, strongScore: Double, weakScore: Double,
                label: Int, contaminated: Bool = false, split: String = "test") {
        self.id = id
        self.benchmark = benchmark
        self.prompt = prompt
        self.strongScore = strongScore
        self.weakScore = weakScore
        self.label = label
        self.contaminated = contaminated
        self.split = split
    }
}
