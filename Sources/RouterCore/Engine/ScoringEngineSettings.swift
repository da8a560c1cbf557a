import LlamaKit

/// Sizing of the scoring engine.
public struct ScoringEngineSettings: Equatable, Sendable {
    /// Queries decoded together at most (each on its own sequence).
    public var parallel: Int = 8
    /// Tokens of one request's prompt (template and query), as `route --ctx`; longer queries
    /// are truncated to fit. Each sequence holds the part after the shared prefix.
    public var contextLength: Int = Self.defaultContextLength
    /// The default `contextLength`: a long query keeps its first and last parts (`PromptBuilder`).
    /// It bounds what one query costs, so a few long prompts do not hold up everything queued
    /// behind them, and the head routes as well as with a longer context (docs/measurements.md,
    /// "A 384-token context", has the figures).
    public static let defaultContextLength = 384
    /// Most tokens in one decode call, below llama.cpp's 512: the compute buffer is sized by the
    /// largest decode, and a long query costs the same in smaller chunks (less peak RSS at equal
    /// req/s; docs/measurements.md).
    public var batchSize: Int = 128
    /// Queries waiting for a free sequence at most; more are refused as overloaded.
    public var maxQueue: Int = 256
    public var threads: Int = LlamaContextConfiguration.defaultThreads
    /// Also return each query's final hidden state at the label position (same forward pass).
    public var hiddenState: Bool = false
    /// Also return the outputs of these blocks averaged over each query's tokens (`pooledStates`).
    public var pooledBlocks: [Int] = []
    /// A learned head whose distribution replaces the zero-shot one (the engine reads what its
    /// features need).
    public var head: LabelHead?
    /// Batch-invariant scoring (the default): each query is decoded alone, its tokens after the
    /// cached prefix in fixed chunks of `batchSize`, always into the same KV cells, so its
    /// distribution is bit-identical whatever else is queued, at any `parallel` (`route` scores
    /// with `parallel` 1). False: continuous batching, several queries per decode,
    /// whose scores then move by up to ~0.1 in win rate with the batch (docs/reproducibility.md).
    public var batchInvariant: Bool = true
    /// Decode nothing after the query (no template suffix): for extracting the features of a head
    /// that reads at the query's end (`train --features ...,query-end`).
    public var endsAtQuery: Bool = false
    /// Decode a query-shaped warm-up at start-up, so a server's first request does not pay for
    /// graph set-up; off for one-off scoring (`route`), whose first query is its only one.
    public var warmsUp: Bool = true
    /// Where the template prefix's decoded state is kept between runs (nil: decoded at every
    /// start). `RouterSetup.prefixStore()` gives the project's.
    public var prefixStore: PrefixStateStore?

    /// Whether the engine reads the final hidden state (asked for, or needed by the head).
    public var readsHiddenState: Bool { hiddenState || head?.features.finalState == true }
    /// Whether prompts stop at the query's last token (asked for, or the head reads there).
    public var scoresAtQueryEnd: Bool { endsAtQuery || head?.features.endsAtQuery == true }
    /// The blocks the engine pools (asked for, and those the head needs), ascending.
    public var readsBlocks: [Int] { Array(Set(pooledBlocks + (head?.features.pooledBlocks ?? []))).sorted() }
    /// Whether each forward pass stops after the deepest pooled block: the head reads pooled
    /// blocks (and perhaps the prompt's statistics) but neither the final state nor the label
    /// logits, and nothing else is asked for. Such a head's verdict needs no later block and no
    /// output layer (docs/frontier.md: a 13-block student read at block 11 computes 12).
    public var stopsAfterPooledBlocks: Bool {
        guard let head, !hiddenState else { return false }
        return !readsBlocks.isEmpty && !head.features.finalState && !head.features.labelLogits
    }

    public init(parallel: Int = 8, contextLength: Int = Self.defaultContextLength, batchSize: Int = 128, maxQueue: Int = 256,
                threads: Int = LlamaContextConfiguration.defaultThreads, hiddenState: Bool = false,
                pooledBlocks: [Int] = [], head: LabelHead? = nil, batchInvariant: Bool = true) {
        self.parallel = parallel
        self.contextLength = contextLength
        self.batchSize = batchSize
        self.maxQueue = maxQueue
        self.threads = threads
        self.hiddenState = hiddenState
        self.pooledBlocks = pooledBlocks
        self.head = head
        self.batchInvariant = batchInvariant
    }

    /// Sequences decoded at once: `parallel`, or 1 when batch-invariant (queries then wait their
    /// turn in the queue, as many as `maxQueue`).
    public var activeSequences: Int { batchInvariant ? 1 : parallel }
}
