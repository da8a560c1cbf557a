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

    public init(contextLength: Int = 2048, batchSize: Int? = nil, sequenceCount: Int = 1,
                threads: Int = LlamaContextConfiguration.defaultThreads, embeddings: Bool = false,
                unifiedMemory: Bool = true, observedBlocks: [Int] = []) {
        self.contextLength = contextLength
        self.batchSize = batchSize ?? contextLength
        self.sequenceCount = sequenceCount
        self.threads = threads
        self.embeddings = embeddings
        self.unifiedMemory = unifiedMemory
        self.observedBlocks = Array(Set(observedBlocks)).sorted()
    }

    /// One thread per available core.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
