import Foundation

/// How a context is created: its token budget and the threads it computes with.
public struct LlamaContextConfiguration: Equatable, Sendable {
    /// Tokens the context's memory (KV cache) holds, over all sequences.
    public var contextLength: Int
    /// Most tokens one `decode` call may carry.
    public var batchSize: Int
    /// Most distinct sequences decoded together.
    public var sequenceCount: Int
    /// Threads for decoding.
    public var threads: Int
    /// Also return the final hidden state (embeddings) for positions that produce output.
    public var embeddings: Bool
    /// One memory shared by all sequences, so sequences can share cached positions (a common
    /// prompt prefix) without copies.
    public var unifiedMemory: Bool
    /// Read the final hidden state through llama.cpp's `embeddings` switch (every position an
    /// output, the output layer over all of them) instead of the graph tap: only for tests that
    /// check the tap against llama.cpp's own answer.
    var finalStateFromLlama = false
    /// Transformer blocks (0-based, below the last) whose outputs at every position of a decode
    /// are captured (`LlamaContext.blockOutputs`); empty for none.
    public var observedBlocks: [Int]
    /// Stop each forward pass once the deepest observed block is computed: no later block and
    /// no output layer run, so a head that reads only pooled blocks costs the blocks it reads
    /// (a 13-block model read at block 11 computes 12). Only the observed blocks are valid then:
    /// `logits(at:)` throws, and the memory of the blocks after the stop is never written (the
    /// context must keep stopping there: `numericsDescription` says so, for saved states).
    /// Ignored without observed blocks or with the final state.
    public var stopsAfterObservedBlocks: Bool

    public init(contextLength: Int = 2048, batchSize: Int? = nil, sequenceCount: Int = 1,
                threads: Int = LlamaContextConfiguration.defaultThreads, embeddings: Bool = false,
                unifiedMemory: Bool = true, observedBlocks: [Int] = [], stopsAfterObservedBlocks: Bool = false) {
        self.contextLength = contextLength
        self.batchSize = batchSize ?? contextLength
        self.sequenceCount = sequenceCount
        self.threads = threads
        self.embeddings = embeddings
        self.unifiedMemory = unifiedMemory
        self.observedBlocks = Array(Set(observedBlocks)).sorted()
        self.stopsAfterObservedBlocks = stopsAfterObservedBlocks
    }

    /// The block after which each forward pass stops (nil: it runs to the output layer).
    public var stopBlock: Int? {
        guard stopsAfterObservedBlocks, !embeddings else { return nil }
        return observedBlocks.last
    }

    /// One thread per available core.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
