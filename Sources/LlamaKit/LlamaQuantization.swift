import CLlama
import Foundation

/// Rewrites a GGUF model with its weights in another quantization format, through llama.cpp's
/// own quantizer (`llama_model_quantize`, the code behind its `llama-quantize` tool), reading
/// already quantized weights too (requantizing: each block is expanded to 32-bit floats and
/// quantized again, which adds that format's rounding to the source's).
///
/// What it is for: llama.cpp's CPU backend repacks Q4_0 and IQ4_NL weights at load time into
/// interleaved rows for its fastest matrix kernels (AVX2, ARM dot-product/i8mm), which the
/// catalog's Q4_1 files do not get: on 2 AVX2 cores a Q4_0 copy of SmolLM2-135M processes
/// prompts at ~1.9x the Q4_1 file's rate (docs/measurements.md). The output is a function of the
/// input bytes and the llama.cpp version only (the reference quantizers are scalar C; the number
/// of threads does not change a byte), so a derived file can be pinned by SHA-256.
public enum LlamaQuantization {
    /// The formats `quantize` writes.
    public enum Format: String, CaseIterable, Sendable {
        /// Q4_0: 4-bit, one scale per 32 weights; repacked for AVX2 and ARM kernels.
        case fourBit = "Q4_0"
        /// IQ4_NL: 4-bit on a non-linear grid, one scale per 32 weights; repacked like Q4_0.
        case fourBitNonLinear = "IQ4_NL"
        /// Q8_0: 8-bit, one scale per 32 weights (llamafile's tiled kernels on AVX2).
        case eightBit = "Q8_0"

        /// The format named `name` (as llama.cpp spells it, any case), if it is one of these.
        public init?(name: String) {
            guard let format = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(name) == .orderedSame }) else { return nil }
            self = format
        }

        var fileType: llama_ftype {
            switch self {
            case .fourBit: return LLAMA_FTYPE_MOSTLY_Q4_0
            case .fourBitNonLinear: return LLAMA_FTYPE_MOSTLY_IQ4_NL
            case .eightBit: return LLAMA_FTYPE_MOSTLY_Q8_0
            }
        }
    }

    /// Writes `destination` (replaced if it exists): `source`'s weights in `format`, everything
    /// else (tokenizer, metadata) as llama.cpp's quantizer carries it over. Tensors whose rows do
    /// not fit the format's blocks fall back to a format that fits, as `llama-quantize` does.
    public static func quantize(source: String, destination: String, format: Format, threads: Int) throws(LlamaError) {
        try LlamaModel.checkFile(at: source)
        LlamaBackend.initialize()
        var params = llama_model_quantize_default_params()
        params.nthread = Int32(clamping: max(1, threads))
        params.ftype = format.fileType
        params.allow_requantize = true
        let status = llama_model_quantize(source, destination, &params)
        guard status == 0 else { throw .quantizationFailed(path: source, format: format.rawValue) }
    }
}
