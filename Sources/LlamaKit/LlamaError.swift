/// Everything that can go wrong in the llama.cpp binding, as values callers can match on.
public enum LlamaError: Error, Equatable, Sendable {
    case modelFileNotFound(path: String)
    case modelFileUnreadable(path: String)
    case notGGUF(path: String)
    case modelLoadFailed(path: String)
    case contextCreationFailed(contextLength: Int)
    case tokenizationFailed(reason: String)
    case chatTemplateMissing
    case chatTemplateUnsupported
    case batchFull(capacity: Int)
    case emptyBatch
    case decodeFailed(DecodeFailure)
    case logitsUnavailable(batchIndex: Int)
    case embeddingsUnavailable(batchIndex: Int)
    case blockNotObservable(block: Int, blockCount: Int)
    case blockOutputsUnreadable(expectedRows: Int, rows: [Int])
    case sequenceStateUnreadable(bytes: Int)
    case quantizationFailed(path: String, format: String)

    /// `llama_decode`'s non-zero return codes.
    public enum DecodeFailure: Equatable, Sendable {
        /// 1: no KV-cache slot for the batch (context too small for what is in memory).
        case noMemorySlot
        /// 2: aborted by the abort callback.
        case aborted
        /// -1: the batch was invalid.
        case invalidBatch
        /// Any other negative code: a fatal error inside llama.cpp.
        case fatal(code: Int32)
        /// A positive code llama.cpp does not document.
        case warning(code: Int32)

        init(code: Int32) {
            switch code {
            case 1: self = .noMemorySlot
            case 2: self = .aborted
            case -1: self = .invalidBatch
            case let c where c < 0: self = .fatal(code: c)
            default: self = .warning(code: code)
            }
        }
    }
}

extension LlamaError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .modelFileNotFound(let path): return "model file not found: \(path)"
        case .modelFileUnreadable(let path): return "model file cannot be read: \(path)"
        case .notGGUF(let path): return "not a GGUF model file: \(path)"
        case .modelLoadFailed(let path): return "llama.cpp could not load the model (corrupt or unsupported GGUF): \(path)"
        case .contextCreationFailed(let n): return "llama.cpp could not create a context of \(n) tokens"
        case .tokenizationFailed(let reason): return "tokenization failed: \(reason)"
        case .chatTemplateMissing: return "the model has no chat template; use a template file with a [raw] section"
        case .chatTemplateUnsupported: return "llama.cpp does not support this model's chat template; use a template file with a [raw] section"
        case .batchFull(let capacity): return "batch is full (\(capacity) tokens)"
        case .emptyBatch: return "cannot decode an empty batch"
        case .decodeFailed(let failure):
            switch failure {
            case .noMemorySlot: return "decode failed: no room in the context memory for this batch"
            case .aborted: return "decode aborted"
            case .invalidBatch: return "decode failed: invalid batch"
            case .fatal(let code): return "decode failed: fatal llama.cpp error \(code)"
            case .warning(let code): return "decode returned unexpected code \(code)"
            }
        case .logitsUnavailable(let i): return "no logits were computed for batch position \(i)"
        case .embeddingsUnavailable(let i): return "no embeddings were computed for batch position \(i)"
        case .blockNotObservable(let block, let count):
            return "block \(block) cannot be observed: the model has \(count) blocks (0...\(count - 2) can be)"
        case .blockOutputsUnreadable(let expected, let rows):
            return "block outputs could not be read (expected \(expected) rows, got \(rows)); unsupported model graph"
        case .sequenceStateUnreadable(let bytes):
            return "a saved sequence state of \(bytes) bytes does not fit this model and context"
        case .quantizationFailed(let path, let format):
            return "llama.cpp could not write \(format) weights from \(path) (unsupported source tensors, or the destination cannot be written)"
        }
    }
}
