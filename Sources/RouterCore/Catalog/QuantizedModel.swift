import LlamaKit

/// Requantized scoring models: a copy of a GGUF model with its weights in a format llama.cpp's
/// CPU backend has faster kernels for (`LlamaQuantization`): `causal-router quantize`, and the
/// catalog's derived models (`ModelDerivation`).
public enum QuantizedModel {
    /// The format names `write` accepts, as llama.cpp spells them.
    public static var formatNames: [String] { LlamaQuantization.Format.allCases.map(\.rawValue) }

    /// Whether `write` accepts `name` as a format (one of `formatNames`, any case).
    public static func isFormatName(_ name: String) -> Bool { LlamaQuantization.Format(name: name) != nil }

    /// Writes `destination`: `modelPath`'s weights in the format named `formatName` (any case).
    public static func write(modelPath: String, formatName: String, destination: String, threads: Int) throws(RouterError) {
        guard let format = LlamaQuantization.Format(name: formatName) else {
            throw .quantizationFailed("unknown format '\(formatName)' (one of \(formatNames.joined(separator: ", ")))")
        }
        do {
            try LlamaQuantization.quantize(source: modelPath, destination: destination, format: format, threads: threads)
        } catch {
            throw .quantizationFailed(error.description)
        }
    }
}
