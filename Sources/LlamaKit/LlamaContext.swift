import CLlama

/// An inference context over a model: the single owner of a `llama_context` and its memory.
/// It keeps its model alive, and `deinit` frees the context before the model can go.
/// Not thread-safe: confine each context to one thread or actor.
public final class LlamaContext {
    private let pointer: OpaquePointer
    /// The model this context runs (held so it outlives the context).
    public let model: LlamaModel
    public let configuration: LlamaContextConfiguration
    /// Captures observed blocks' outputs and the final hidden state (nil when neither is asked
    /// for); kept alive as long as the context, whose callback points at it.
    private let tap: GraphOutputTap?
    /// The batch indices that produced output in the last decode (for `embeddings(at:)`).
    private var lastOutputIndices: [Int] = []

    public init(model: LlamaModel, configuration: LlamaContextConfiguration = .init()) throws(LlamaError) {
        LlamaBackend.initialize()
        var params = llama_context_default_params()
        params.n_ctx = UInt32(clamping: configuration.contextLength)
        params.n_batch = UInt32(clamping: configuration.batchSize)
        params.n_ubatch = UInt32(clamping: min(configuration.batchSize, 512))
        params.n_seq_max = UInt32(clamping: configuration.sequenceCount)
        params.n_threads = Int32(clamping: configuration.threads)
        params.n_threads_batch = Int32(clamping: configuration.threads)
        // The final hidden state comes from the tap: llama.cpp's `embeddings` switch would make
        // every position an output and run the output layer over all of them (GraphOutputTap).
        params.embeddings = configuration.embeddings && configuration.finalStateFromLlama
        let tapsFinalState = configuration.embeddings && !configuration.finalStateFromLlama
        params.kv_unified = configuration.unifiedMemory
        params.no_perf = true
        let blockCount = model.blockCount
        if let bad = configuration.observedBlocks.first(where: { $0 < 0 || $0 >= blockCount - 1 }) {
            throw .blockNotObservable(block: bad, blockCount: blockCount)
        }
        let tapped = !configuration.observedBlocks.isEmpty || tapsFinalState
        let tap = tapped ? GraphOutputTap(blocks: configuration.observedBlocks, finalState: tapsFinalState,
                                          width: model.embeddingSize, stopBlock: configuration.stopBlock) : nil
        if let tap {
            params.cb_eval = GraphOutputTap.callback
            params.cb_eval_user_data = Unmanaged.passUnretained(tap).toOpaque()
            // The tap reads micro-batches in batch order: one micro-batch per decode keeps it simple.
            params.n_ubatch = params.n_batch
        }
        self.tap = tap
        guard let context = llama_init_from_model(model.pointer, params) else {
            throw .contextCreationFailed(contextLength: configuration.contextLength)
        }
        self.pointer = context
        self.model = model
        self.configuration = configuration
    }

    deinit {
        llama_free(pointer)
    }

    /// Tokens the context's memory holds (may be rounded up by llama.cpp).
    public var contextLength: Int { Int(llama_n_ctx(pointer)) }
    /// Most tokens a single `decode` accepts.
    public var batchSize: Int { Int(llama_n_batch(pointer)) }

    /// Runs the model over `batch`, appending its tokens to the context memory.
    public func decode(_ batch: LlamaBatch) throws(LlamaError) {
        guard batch.count > 0 else { throw .emptyBatch }
        let outputs = tap?.finalState == true ? batch.outputIndices : []
        lastOutputIndices = outputs
        tap?.reset(tokens: batch.count, outputs: outputs.count)
        let code = llama_decode(pointer, batch.raw)
        if code != 0 { throw .decodeFailed(LlamaError.DecodeFailure(code: code)) }
        if let tap, tap.failed || tap.rows.contains(where: { $0 != batch.count })
            || (tap.finalState && tap.finalRows != outputs.count) {
            lastOutputIndices = []
            throw .blockOutputsUnreadable(expectedRows: batch.count, rows: tap.rows + (tap.finalState ? [tap.finalRows] : []))
        }
    }

    /// The observed blocks' outputs of the last decode: for `configuration.observedBlocks[k]`,
    /// row `i` (`embeddingSize` floats) is batch position `i`. Valid until the next decode.
    public func blockOutputs(_ k: Int) -> UnsafeBufferPointer<Float> {
        guard let tap else { return UnsafeBufferPointer(start: nil, count: 0) }
        return tap.values[k].withUnsafeBufferPointer { buffer in
            UnsafeBufferPointer(rebasing: buffer[0..<(tap.rows[k] * tap.width)])
        }
    }

    /// The next-token logits (vocabulary-sized) at a batch index that produced output.
    /// Unavailable when the context stops after its observed blocks (the output layer never runs).
    public func logits(at batchIndex: Int) throws(LlamaError) -> UnsafeBufferPointer<Float> {
        guard configuration.stopBlock == nil, let logits = llama_get_logits_ith(pointer, Int32(batchIndex)) else {
            throw .logitsUnavailable(batchIndex: batchIndex)
        }
        return UnsafeBufferPointer(start: logits, count: model.vocab.count)
    }

    /// The final hidden state at a batch index that produced output in the last decode (needs
    /// `embeddings`). Valid until the next decode.
    public func embeddings(at batchIndex: Int) throws(LlamaError) -> UnsafeBufferPointer<Float> {
        if configuration.finalStateFromLlama {
            guard configuration.embeddings, let embeddings = llama_get_embeddings_ith(pointer, Int32(batchIndex)) else {
                throw .embeddingsUnavailable(batchIndex: batchIndex)
            }
            return UnsafeBufferPointer(start: embeddings, count: model.embeddingSize)
        }
        guard let tap, tap.finalState, let row = lastOutputIndices.firstIndex(of: batchIndex), row < tap.finalRows else {
            throw .embeddingsUnavailable(batchIndex: batchIndex)
        }
        let width = model.embeddingSize
        return tap.finalValues.withUnsafeBufferPointer { buffer in
            UnsafeBufferPointer(rebasing: buffer[row * width..<(row + 1) * width])
        }
    }

    /// Forgets every sequence.
    public func clearMemory() {
        llama_memory_clear(llama_get_memory(pointer), true)
    }

    /// Forgets positions `from..<to` of a sequence (nil bounds mean open ends).
    @discardableResult
    public func removeFromMemory(sequence: Int, from: Int? = nil, to: Int? = nil) -> Bool {
        llama_memory_seq_rm(llama_get_memory(pointer), Int32(sequence), Int32(from ?? -1), Int32(to ?? -1))
    }

    /// A sequence's cached state (its KV cells and their positions) as bytes: what
    /// `restoreSequenceState` puts back, in a context of the same model and configuration.
    public func sequenceState(of sequence: Int) -> [UInt8] {
        let size = llama_state_seq_get_size(pointer, Int32(sequence))
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBufferPointer { llama_state_seq_get_data(pointer, $0.baseAddress, size, Int32(sequence)) }
        return Array(bytes.prefix(written))
    }

    /// Puts a state from `sequenceState(of:)` into `sequence` (which should be empty). On failure
    /// (bytes of another model or configuration, torn bytes) the sequence is left empty.
    public func restoreSequenceState(_ bytes: UnsafeRawBufferPointer, into sequence: Int) throws(LlamaError) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
              llama_state_seq_set_data(pointer, base, bytes.count, Int32(sequence)) == bytes.count else {
            removeFromMemory(sequence: sequence)
            throw .sequenceStateUnreadable(bytes: bytes.count)
        }
    }

    /// The last position `sequence` holds in memory (nil when it holds none).
    public func lastPosition(of sequence: Int) -> Int? {
        let position = llama_memory_seq_pos_max(llama_get_memory(pointer), Int32(sequence))
        return position < 0 ? nil : Int(position)
    }

    /// What decoded values depend on besides the model file and the tokens: llama.cpp's build,
    /// the CPU features its kernels use, and this context's batch sizes, sequence count and memory layout.
    public var numericsDescription: String {
        "\(LlamaBackend.buildDescription)|batch \(llama_n_batch(pointer))|ubatch \(llama_n_ubatch(pointer))"
            + "|seq \(llama_n_seq_max(pointer))|unified \(configuration.unifiedMemory)"
            + (configuration.stopBlock.map { "|stops after block \($0)" } ?? "")
    }

    /// Makes `destination` share the cached positions `from..<to` of `source` (no recomputation).
    public func copyMemory(from source: Int, to destination: Int, positions: Range<Int>? = nil) {
        llama_memory_seq_cp(llama_get_memory(pointer), Int32(source), Int32(destination),
                            Int32(positions?.lowerBound ?? -1), Int32(positions?.upperBound ?? -1))
    }
}
