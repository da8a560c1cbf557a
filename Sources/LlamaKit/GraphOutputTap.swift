import CLlama

/// Hidden states captured while a context decodes, through llama.cpp's graph evaluation
/// callback: the outputs of chosen transformer blocks at every position of the batch (the
/// features of a head that pools a middle layer over the query's tokens), and the final hidden
/// state (`result_norm`, the input of the output layer) at the positions that produce output.
///
/// The final state is read here rather than with llama.cpp's `embeddings` switch: that switch
/// makes every position of a decode an output, so the output layer (a vocabulary-sized matrix
/// product: a quarter of a small model's compute) ran for every token of every query and a
/// vocabulary-sized row per token was copied out, when the head needs one row per query.
///
/// llama.cpp computes the graph up to each observed tensor, hands it to the callback, and goes
/// on; observing a few tensors costs a few graph splits, not a second forward pass. The last
/// block's output holds only the output positions, so it cannot be observed as a block (use the
/// final hidden state instead). With a stop block, the callback's answer after that block's
/// output ends the forward pass there (llama.cpp's scheduler computes no further node when the
/// callback says no): the later blocks and the output layer are never run. Touched only by the
/// thread that decodes.
final class GraphOutputTap {
    /// Observed blocks, ascending.
    let blocks: [Int]
    /// Whether the final hidden state is captured.
    let finalState: Bool
    let width: Int
    /// The block after whose output the forward pass stops (nil: it runs to the end).
    let stopBlock: Int?
    /// values[k]: the observed block k's outputs for the decode in progress, row after row
    /// (several micro-batches append in batch order).
    private(set) var values: [[Float]]
    private(set) var rows: [Int]
    /// The final hidden state of each output position of the decode in progress, in batch order.
    private(set) var finalValues: [Float] = []
    private(set) var finalRows = 0
    /// Set when a tensor could not be read (wrong type or shape): the decode's taps are invalid.
    private(set) var failed = false
    private let position: [Int: Int]

    init(blocks: [Int], finalState: Bool, width: Int, stopBlock: Int? = nil) {
        self.blocks = blocks
        self.finalState = finalState
        self.width = width
        self.stopBlock = stopBlock
        self.values = Array(repeating: [], count: blocks.count)
        self.rows = Array(repeating: 0, count: blocks.count)
        self.position = Dictionary(uniqueKeysWithValues: blocks.enumerated().map { ($1, $0) })
    }

    /// Forgets the previous decode's outputs, keeping room for `tokens` rows of each block and
    /// `outputs` final states.
    func reset(tokens: Int, outputs: Int) {
        failed = false
        for k in blocks.indices {
            rows[k] = 0
            if values[k].count < tokens * width { values[k] = [Float](repeating: 0, count: tokens * width) }
        }
        finalRows = 0
        if finalState && finalValues.count < outputs * width { finalValues = [Float](repeating: 0, count: outputs * width) }
    }

    /// The callback's two questions: does the tap want `tensor` (ask), and here it is (!ask).
    func observe(_ tensor: UnsafeMutablePointer<ggml_tensor>, ask: Bool) -> Bool {
        if finalState && cllama_is_final_hidden_state(tensor) {
            if ask { return true }
            finalRows += copy(tensor, into: &finalValues, from: finalRows * width)
            return true
        }
        let block = Int(cllama_block_output_index(tensor))
        guard block >= 0, let k = position[block] else { return false }
        if ask { return true }
        rows[k] += copy(tensor, into: &values[k], from: rows[k] * width)
        // false: compute nothing after this node (the rest of the pass feeds nothing read here).
        return block != stopBlock
    }

    /// Copies a tensor's rows into `buffer` at `start`; the rows copied (0, and `failed`, when
    /// the tensor is not rows of `width` floats or does not fit).
    private func copy(_ tensor: UnsafeMutablePointer<ggml_tensor>, into buffer: inout [Float], from start: Int) -> Int {
        let copied = buffer.withUnsafeMutableBufferPointer { buffer -> Int64 in
            guard tensor.pointee.ne.0 == Int64(width), start <= buffer.count else { return -1 }
            return cllama_copy_rows(tensor, buffer.baseAddress! + start, Int64(buffer.count - start))
        }
        if copied < 0 {
            failed = true
            return 0
        }
        return Int(copied)
    }

    /// The C callback llama.cpp calls; `userData` is an unretained tap.
    static let callback: ggml_backend_sched_eval_callback = { tensor, ask, userData in
        guard let tensor, let userData else { return false }
        let tap = Unmanaged<GraphOutputTap>.fromOpaque(userData).takeUnretainedValue()
        return tap.observe(tensor, ask: ask)
    }
}
