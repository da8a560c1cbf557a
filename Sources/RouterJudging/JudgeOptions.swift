/// What `causal-router judge` reads and writes, and how it judges.
public struct JudgeOptions: Sendable {
    /// A records file, or a folder of `records-*.jsonl` files.
    public var input: String
    /// Where rows are appended.
    public var output: String
    /// Where records that cannot be judged go; nil means OUTPUT.errors.jsonl.
    public var errorsPath: String?
    /// Where the summary is also written as JSON, if anywhere.
    public var summaryPath: String?
    /// The tiers whose answers are compared (names in a record's `answers`).
    public var strongTier = "strong"
    public var weakTier = "weak"
    /// A dotted path to the reference answer: grade by exact match instead of asking the judge.
    public var referenceField: String?
    /// Judge only records whose id hashes to shard `index` of `count`.
    public var shard: (index: Int, count: Int)?
    /// Records judged at once (each one makes its judge calls one after the other).
    public var parallel = 2
    /// Waits before retrying a call the judge could not answer (unreachable, 5xx, 429): after the
    /// last one the run stops.
    public var retryDelays: [Duration] = [.seconds(2), .seconds(10), .seconds(30)]

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }

    public var resolvedErrorsPath: String { errorsPath ?? output + ".errors.jsonl" }
}
