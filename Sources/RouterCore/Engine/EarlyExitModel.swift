import LlamaKit

/// Early-exit scoring models: a copy of a GGUF model cut after its first K blocks, so a learned
/// head reads a middle layer's hidden state at about K / blocks of the full model's cost.
public enum EarlyExitModel {
    /// The architecture and number of transformer blocks of a GGUF file.
    public static func blocks(modelPath: String) throws(RouterError) -> (architecture: String, count: Int) {
        do {
            let summary = try GGUFLayerTruncation.summary(of: modelPath)
            return (summary.architecture, summary.blockCount)
        } catch {
            throw .modelCorrupt(path: modelPath, reason: error.description, fix: "check the file")
        }
    }

    /// Writes `destination`: `modelPath` with its first `layers` blocks.
    public static func write(modelPath: String, layers: Int, destination: String) throws(RouterError) {
        do {
            try GGUFLayerTruncation.write(source: modelPath, destination: destination, layers: layers)
        } catch {
            throw .earlyExitFailed(error.description)
        }
    }
}
