import CLlama

/// The outputs of chosen transformer blocks (every position of the batch, not only those that
/// produce logits) captured while a context decodes, through llama.cpp's graph evaluation
/// callback: the features of a head that pools a middle layer over the query's tokens.
///
/// llama.cpp computes the graph up to each observed tensor, hands it to the callback, and goes
/// on; observing a few blocks costs a few graph splits, not a second forward pass. The last
/// block's output holds only the output positions, so it cannot be observed (use the final
/// hidden state instead). Touched only by the thread that decodes.
final class BlockOutputTap {
    /// Observed blocks, ascending.
    let blocks: [Int]
    let width: Int
    /// rows[k]: the observed block k's outputs for the decode in progress, row after row
    /// (several micro-batches append in batch order).
    private(set) var values: [[Float]]
    private(set) var rows: [Int]
    /// Set when a tensor could not be read (wrong type or shape): the decode's taps are invalid.
    private(set) var failed = false
    private let position: [Int: Int]

    init(blocks: [Int], width: Int) {
        self.blocks = blocks
        self.width = width
        self.values = Array(repeating: [], count: blocks.count)
        self.rows = Array(repeating: 0, count: blocks.count)
        self.position = Dictionary(uniqueKeysWithValues: blocks.enumerated().map { ($1, $0) })
    }

    /// Forgets the previous decode's outputs, keeping room for `tokens` rows.
    func reset(tokens: Int) {
        failed = false
        for k in blocks.indices {
            rows[k] = 0
            if values[k].count < tokens * width { values[k] = [Float](repeating: 0, count: tokens * width) }
        }
    }

    /// The callback's two questions: does the tap want `tensor` (ask), and here it is (!ask).
    func observe(_ tensor: UnsafeMutablePointer<ggml_tensor>, ask: Bool) -> Bool {
        let block = Int(cllama_block_output_index(tensor))
        guard block >= 0, let k = position[block] else { return false }
        if ask { return true }
        let start = rows[k] * width
        let copied = values[k].withUnsafeMutableBufferPointer { buffer -> Int64 in
            guard tensor.pointee.ne.0 == Int64(width), start <= buffer.count else { return -1 }
            return cllama_copy_rows(tensor, buffer.baseAddress! + start, Int64(buffer.count - start))
        }
        if copied < 0 { failed = true } else { rows[k] += Int(copied) }
        return true
    }

    /// The C callback llama.cpp calls; `userData` is an unretained tap.
    static let callback: ggml_backend_sched_eval_callback = { tensor, ask, userData in
        guard let tensor, let userData else { return false }
        let tap = Unmanaged<BlockOutputTap>.fromOpaque(userData).takeUnretainedValue()
        return tap.observe(tensor, ask: ask)
    }
}
