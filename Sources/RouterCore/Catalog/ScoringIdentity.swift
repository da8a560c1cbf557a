import Foundation

/// What a score, a cached feature or a learned head depends on: the exact model file and
/// template file, by SHA-256.
public struct ScoringIdentity: Equatable, Sendable {
    public var modelSHA256: String
    public var templateSHA256: String

    public init(modelSHA256: String, templateSHA256: String) {
        self.modelSHA256 = modelSHA256
        self.templateSHA256 = templateSHA256
    }

    /// Hashes the template file and the model file (through the memo: once per model file).
    public init(modelPath: String, templatePath: String, memo: FileHashMemo) throws(RouterError) {
        guard let template = FileManager.default.contents(atPath: templatePath) else { throw .templateNotFound(path: templatePath) }
        guard let model = memo.hash(of: modelPath) else { throw .fileUnreadable(path: modelPath) }
        self.init(modelSHA256: model, templateSHA256: SHA256.hex(template))
    }

    /// A file name stem for caches keyed by this identity and a context length. `-bi`: scores of
    /// the batch-invariant engine, so files written before it (whose values moved with the batch,
    /// docs/reproducibility.md) are not mixed with bit-reproducible ones; `2`: the final hidden
    /// state read at the output position only (LlamaKit's GraphOutputTap), whose last block runs
    /// over one row instead of all, so its values differ in the last bits from earlier files'.
    /// `-u<N>`: decoded in chunks of `batchSize` tokens other than the default 512 (the chunks are
    /// the batch-invariant unit, so a long query's values differ in the last bits with the size).
    public func cacheStem(contextLength: Int, batchSize: Int) -> String {
        "\(modelSHA256.prefix(16))-\(templateSHA256.prefix(16))-c\(contextLength)-bi2" + (batchSize == 512 ? "" : "-u\(batchSize)")
    }
}
