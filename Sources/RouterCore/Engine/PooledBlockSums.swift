import LlamaKit

/// Sums of observed blocks' outputs over a query's tokens, decode after decode, and their mean:
/// `ScoredQuery.pooledStates`, the rows added in decode order whatever the batch.
struct PooledBlockSums {
    /// Observed blocks x hidden width, block after block.
    private(set) var sums: [Float]
    private let blocks: Int

    init(blocks: Int, width: Int) {
        self.blocks = blocks
        self.sums = [Float](repeating: 0, count: blocks * width)
    }

    /// Adds the observed blocks' outputs at batch positions `rows` of `context`'s last decode.
    mutating func add(from context: LlamaContext, rows: Range<Int>) {
        guard blocks > 0 else { return }
        let width = sums.count / blocks
        for k in 0..<blocks {
            let outputs = context.blockOutputs(k)
            sums.withUnsafeMutableBufferPointer { sum in
                for row in rows {
                    let base = row * width
                    for j in 0..<width { sum[k * width + j] += outputs[base + j] }
                }
            }
        }
    }

    /// The means over `count` tokens (nil when no block is observed).
    func mean(over count: Int) -> [Float]? {
        guard blocks > 0 else { return nil }
        let divisor = Float(max(1, count))
        return sums.map { $0 / divisor }
    }
}
