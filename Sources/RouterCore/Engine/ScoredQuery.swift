/// What scoring one query yields.
public struct ScoredQuery: Equatable, Sendable {
    public var distribution: LabelDistribution
    /// Whether the query was shortened to fit the context.
    public var truncated: Bool
    /// Tokens the model read (template and query).
    public var promptTokens: Int
    /// The final hidden state at the label position, from the same forward pass, when the
    /// engine was asked for it (`ScoringEngineSettings.hiddenState`): the features of a learned head.
    public var hiddenState: [Float]?
    /// The five label tokens' raw logits (before the softmax).
    public var labelLogits: [Float]?
    /// The outputs of the engine's pooled blocks (`HeadFeatures.pooledBlocks`), each averaged
    /// over the query's tokens, block after block.
    public var pooledStates: [Float]?
    /// The blocks `pooledStates` holds, in its order (empty: the reader's own, as a feature cache
    /// keeps them). A head that reads fewer of them takes its own (`HeadFeatures.vector`).
    public var pooledBlocks: [Int] = []
    /// `PromptStatistics` of the query's text.
    public var promptStatistics: [Float]?
    /// The learned head whose distribution this is (nil: the zero-shot label logits).
    public var head: String?
    /// The SHA-256 of that head's file (`LabelHead.fileSHA256`).
    public var headSHA256: String?
    /// How far the query lies from the head's training rows (`HeadNeighbourhood`): the share of
    /// held-out training rows that were closer, 0...1; nil without a head that reports it.
    public var oodScore: Double?
    /// Past the head's out-of-distribution threshold.
    public var outOfDistribution = false

    public init(distribution: LabelDistribution, truncated: Bool, promptTokens: Int,
                hiddenState: [Float]? = nil, labelLogits: [Float]? = nil, pooledStates: [Float]? = nil,
                promptStatistics: [Float]? = nil) {
        self.distribution = distribution
        self.truncated = truncated
        self.promptTokens = promptTokens
        self.hiddenState = hiddenState
        self.labelLogits = labelLogits
        self.pooledStates = pooledStates
        self.promptStatistics = promptStatistics
    }
}

extension ScoredQuery {
    /// What a verdict keeps of it: the distribution, truncation, prompt size, head and ood
    /// figures, without the features (hidden state, pooled blocks, logits, statistics).
    public var verdictFields: ScoredQuery {
        var kept = ScoredQuery(distribution: distribution, truncated: truncated, promptTokens: promptTokens)
        kept.head = head
        kept.headSHA256 = headSHA256
        kept.oodScore = oodScore
        kept.outOfDistribution = outOfDistribution
        return kept
    }
}
