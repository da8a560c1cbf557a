import Foundation

/// Which features of a query a learned head reads, all from the one forward pass that scores it
/// (plus a few counts of the query's text). The first heads read the final hidden state at the
/// label position and the five label logits; a head can also read the outputs of middle blocks
/// averaged over the query's own tokens, which say more about what the query asks than the
/// state at the end of a rating prompt, and transfer better to unseen traffic (docs/heads.md).
public struct HeadFeatures: Codable, Equatable, Hashable, Sendable {
    /// Transformer blocks (0-based) whose outputs are mean-pooled over the query's tokens.
    public var pooledBlocks: [Int]
    /// The final hidden state at the label position.
    public var finalState: Bool
    /// The five zero-shot label logits.
    public var labelLogits: Bool
    /// `PromptStatistics` of the query's text (length, lines, digits, code and question marks).
    public var promptStatistics: Bool
    /// Where the final state and the label logits are read (`.queryEnd`: the template's suffix
    /// is never decoded).
    public var position: FeaturePosition

    public init(pooledBlocks: [Int] = [], finalState: Bool = true, labelLogits: Bool = true, promptStatistics: Bool = false,
                position: FeaturePosition = .label) {
        self.pooledBlocks = Array(Set(pooledBlocks)).sorted()
        self.finalState = finalState
        self.labelLogits = labelLogits
        self.promptStatistics = promptStatistics
        self.position = position
    }

    /// The features of the first heads (format 1): final state and label logits.
    public static let finalStateAndLogits = HeadFeatures()

    enum CodingKeys: String, CodingKey {
        case pooledBlocks = "pooled_blocks", finalState = "final_state", labelLogits = "label_logits"
        case promptStatistics = "prompt_statistics", position
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(pooledBlocks: try c.decode([Int].self, forKey: .pooledBlocks), finalState: try c.decode(Bool.self, forKey: .finalState),
                  labelLogits: try c.decode(Bool.self, forKey: .labelLogits),
                  promptStatistics: try c.decode(Bool.self, forKey: .promptStatistics),
                  position: try c.decodeIfPresent(FeaturePosition.self, forKey: .position) ?? .label)
    }

    /// Heads reading at the label position are written as before this field existed.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pooledBlocks, forKey: .pooledBlocks)
        try c.encode(finalState, forKey: .finalState)
        try c.encode(labelLogits, forKey: .labelLogits)
        try c.encode(promptStatistics, forKey: .promptStatistics)
        if position != .label { try c.encode(position, forKey: .position) }
    }

    /// Whether scoring stops at the query's last token (no template suffix decoded).
    public var endsAtQuery: Bool { position == .queryEnd }

    /// Values in the feature vector for a model with `embeddingSize` hidden values.
    public func size(embeddingSize: Int) -> Int {
        pooledBlocks.count * embeddingSize + (finalState ? embeddingSize : 0) + (labelLogits ? 5 : 0)
            + (promptStatistics ? PromptStatistics.count : 0)
    }

    /// Whether any feature comes from the model (a head of counts alone needs no hidden state).
    public var readsHiddenState: Bool { finalState || !pooledBlocks.isEmpty }

    /// The feature vector of a scored query, or nil if the engine did not read what is needed.
    public func vector(of scored: ScoredQuery) -> [Float]? {
        var values: [Float] = []
        if !pooledBlocks.isEmpty {
            guard let pooled = scored.pooledStates else { return nil }
            if scored.pooledBlocks.isEmpty || scored.pooledBlocks == pooledBlocks {
                values += pooled
            } else {
                // An engine pooling more blocks than this head reads (a head swapped in live).
                guard pooled.count % scored.pooledBlocks.count == 0 else { return nil }
                let width = pooled.count / scored.pooledBlocks.count
                for block in pooledBlocks {
                    guard let k = scored.pooledBlocks.firstIndex(of: block) else { return nil }
                    values += pooled[(k * width)..<((k + 1) * width)]
                }
            }
        }
        if finalState {
            guard let hidden = scored.hiddenState else { return nil }
            values += hidden
        }
        if labelLogits {
            guard let logits = scored.labelLogits else { return nil }
            values += logits
        }
        if promptStatistics {
            guard let statistics = scored.promptStatistics else { return nil }
            values += statistics
        }
        return values
    }

    /// A short description, e.g. "mean(b8,b16)+final+logits+stats".
    public var summary: String {
        var parts: [String] = []
        if !pooledBlocks.isEmpty { parts.append("mean(" + pooledBlocks.map { "b\($0)" }.joined(separator: ",") + ")") }
        if finalState { parts.append("final") }
        if labelLogits { parts.append("logits") }
        if promptStatistics { parts.append("stats") }
        return parts.joined(separator: "+") + (endsAtQuery ? "@query-end" : "")
    }
}

extension HeadFeatures {
    /// Parses a comma-separated list: `final` (final state), `logits` (label logits), `stats`
    /// (prompt statistics), `bN` (block N mean-pooled over the query), e.g. "b6,b12,stats", and
    /// `query-end` (final and logits read at the query's last token; no template suffix decoded).
    public init(spec: String) throws(RouterError) {
        var blocks: [Int] = [], final = false, logits = false, stats = false, queryEnd = false
        let items = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw .featuresInvalid(spec: spec, reason: "no features named") }
        for item in items {
            switch item {
            case "final": final = true
            case "logits": logits = true
            case "stats": stats = true
            case "query-end": queryEnd = true
            default:
                guard let block = Self.block(named: item) else {
                    throw .featuresInvalid(spec: spec, reason: "unknown feature '\(item)' (final, logits, stats, bN or query-end)")
                }
                blocks.append(block)
            }
        }
        guard final || logits || stats || !blocks.isEmpty else {
            throw .featuresInvalid(spec: spec, reason: "query-end says where features are read; name at least one feature")
        }
        self.init(pooledBlocks: blocks, finalState: final, labelLogits: logits, promptStatistics: stats,
                  position: queryEnd ? .queryEnd : .label)
    }

    /// The block an item such as "b9" names (0-based), or nil for anything else.
    public static func block(named item: String) -> Int? {
        guard item.hasPrefix("b"), let block = Int(item.dropFirst()), block >= 0 else { return nil }
        return block
    }

    /// The spec `init(spec:)` reads back.
    public var spec: String {
        (pooledBlocks.map { "b\($0)" } + (finalState ? ["final"] : []) + (labelLogits ? ["logits"] : [])
            + (promptStatistics ? ["stats"] : []) + (endsAtQuery ? ["query-end"] : [])).joined(separator: ",")
    }
}
