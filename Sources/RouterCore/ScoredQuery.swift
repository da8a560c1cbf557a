/// What scoring one query yields.
public struct ScoredQuery: Equatable, Sendable {
    public var distribution: LabelDistribution
    /// Whether the query was shortened to fit the context.
    public var truncated: Bool
    /// Tokens the model read (template and query).
    public var promptTokens: Int

    public init(distribution: LabelDistribution, truncated: Bool, promptTokens: Int) {
        self.distribution = distribution
        self.truncated = truncated
        self.promptTokens = promptTokens
    }
}
