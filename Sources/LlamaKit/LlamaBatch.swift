import CLlama

/// A batch of tokens for one `decode` call: the single owner of a `llama_batch`.
/// Each token carries its position, the sequences it belongs to and whether it produces output.
public final class LlamaBatch {
    private var batch: llama_batch
    /// Most tokens the batch holds.
    public let capacity: Int
    /// Most sequences one token may belong to.
    public let maxSequencesPerToken: Int

    public init(capacity: Int, maxSequencesPerToken: Int = 1) {
        precondition(capacity > 0 && maxSequencesPerToken > 0, "a batch needs room for at least one token and sequence")
        self.capacity = capacity
        self.maxSequencesPerToken = maxSequencesPerToken
        self.batch = llama_batch_init(Int32(capacity), 0, Int32(maxSequencesPerToken))
    }

    deinit {
        llama_batch_free(batch)
    }

    /// Tokens currently in the batch.
    public var count: Int { Int(batch.n_tokens) }

    /// Room left.
    public var remaining: Int { capacity - count }

    /// Empties the batch for reuse.
    public func removeAll() {
        batch.n_tokens = 0
    }

    /// Appends one token.
    /// - Returns: its index in the batch, which addresses its logits after decoding.
    @discardableResult
    public func append(_ token: LlamaToken, position: Int, sequences: [Int] = [0], producesOutput: Bool = false) throws(LlamaError) -> Int {
        guard count < capacity else { throw .batchFull(capacity: capacity) }
        precondition(!sequences.isEmpty && sequences.count <= maxSequencesPerToken, "a token belongs to 1...\(maxSequencesPerToken) sequences")
        let i = count
        batch.token[i] = token
        batch.pos[i] = Int32(position)
        batch.n_seq_id[i] = Int32(sequences.count)
        for (k, sequence) in sequences.enumerated() {
            batch.seq_id[i]![k] = Int32(sequence)
        }
        batch.logits[i] = producesOutput ? 1 : 0
        batch.n_tokens += 1
        return i
    }

    /// Appends consecutive tokens of one sequence starting at `startPosition`;
    /// only the last one produces output when `lastProducesOutput` is set.
    /// - Returns: the batch index of the last token.
    @discardableResult
    public func append(contentsOf tokens: [LlamaToken], startPosition: Int, sequence: Int = 0, lastProducesOutput: Bool) throws(LlamaError) -> Int {
        guard !tokens.isEmpty else { throw .emptyBatch }
        guard tokens.count <= remaining else { throw .batchFull(capacity: capacity) }
        var last = 0
        for (offset, token) in tokens.enumerated() {
            let isLast = offset == tokens.count - 1
            last = try append(token, position: startPosition + offset, sequences: [sequence], producesOutput: isLast && lastProducesOutput)
        }
        return last
    }

    /// The batch indices of the tokens that produce output, ascending.
    var outputIndices: [Int] {
        (0..<count).filter { batch.logits[$0] != 0 }
    }

    /// The C value handed to `llama_decode`; valid while this batch lives.
    var raw: llama_batch { batch }
}
