import LlamaKit

/// The tokens the model reads for one query: a fixed prefix (the same for every query of a
/// template), the query's own tokens, and a fixed suffix ending where the label digit comes next.
public struct ScoringPrompt: Equatable, Sendable {
    public var prefix: [LlamaToken]
    public var query: [LlamaToken]
    public var suffix: [LlamaToken]
    /// The exact text fed to the model (a BOS token, when the model uses one, is not shown).
    public var text: String
    /// Whether the query was shortened to fit the context.
    public var truncated: Bool
    /// `PromptStatistics` of the query's text (before truncation).
    public var statistics: [Float] = []

    public var tokens: [LlamaToken] { prefix + query + suffix }
    public var tokenCount: Int { prefix.count + query.count + suffix.count }
}
