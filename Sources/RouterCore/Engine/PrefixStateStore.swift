import Foundation
import LlamaKit

/// The template prefix's decoded state (its KV cells), kept in files so that a later start
/// restores it instead of decoding it again: the prefix is ~160 tokens, about half of a cold
/// start on two cores. One file per (model file, prefix tokens, llama.cpp build and CPU
/// features, context batch sizes): what is restored is byte for byte what decoding would
/// write, so verdicts do not change. Files are written whole (temporary file, then rename), so
/// a reader never sees half of one; one that does not fit (another build, a torn copy) is
/// ignored and the prefix is decoded and saved again. A directory that cannot be written costs
/// only the decode.
public struct PrefixStateStore: Equatable, Sendable {
    public let directory: String
    /// The model file's SHA-256: a state belongs to these weights only.
    public let modelSHA256: String

    public init(directory: String, modelSHA256: String) {
        self.directory = directory
        self.modelSHA256 = modelSHA256
    }

    /// The project's store (.cache/prefix-states) for the model file with this SHA-256.
    public init(locator: ResourceLocator, modelSHA256: String) {
        self.init(directory: locator.home + "/.cache/prefix-states", modelSHA256: modelSHA256)
    }

    /// Most state files kept: every (model, template, batch size, parallel) combination run
    /// leaves one; past this many the least recently used (restored or written) go.
    public static let fileLimit = 16

    /// The file holding the state of `prefix` decoded in `context`.
    public func file(prefix: [LlamaToken], context: LlamaContext) -> String {
        let material = "causal-router-prefix-state/1|\(modelSHA256)|\(context.numericsDescription)|"
            + prefix.map(String.init).joined(separator: ",")
        return directory + "/" + SHA256.hex(Array(material.utf8)).prefix(40) + ".kv"
    }

    /// Puts the saved state of `prefix` into `sequence` of `context` (which holds nothing in it).
    /// False when none is saved or it does not fit; the sequence is then empty.
    public func restore(prefix: [LlamaToken], into context: LlamaContext, sequence: Int) -> Bool {
        guard !prefix.isEmpty else { return false }
        let url = URL(fileURLWithPath: file(prefix: prefix, context: context))
        guard let data = try? Data(contentsOf: url, options: .alwaysMapped), !data.isEmpty else { return false }
        let restored = data.withUnsafeBytes { bytes in (try? context.restoreSequenceState(bytes, into: sequence)) != nil }
        guard restored else { return false }
        guard context.lastPosition(of: sequence) == prefix.count - 1 else {
            context.removeFromMemory(sequence: sequence)
            return false
        }
        // Marked as used: the files least recently used are the ones `fileLimit` removes.
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: url.path)
        return true
    }

    /// Saves `sequence`'s state (which holds exactly `prefix`), replacing any file for it.
    public func save(prefix: [LlamaToken], from context: LlamaContext, sequence: Int) {
        let bytes = context.sequenceState(of: sequence)
        guard !prefix.isEmpty, !bytes.isEmpty else { return }
        let path = file(prefix: prefix, context: context)
        let temporary = path + ".\(getpid()).tmp"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else {
                try? FileManager.default.removeItem(atPath: temporary)
                return
            }
            removeOldest(keeping: path)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }

    /// Deletes the least recently used state files past `fileLimit` (never `kept`).
    private func removeOldest(keeping kept: String) {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return }
        let files = names.filter { $0.hasSuffix(".kv") }.map { directory + "/" + $0 }.filter { $0 != kept }
        guard files.count >= Self.fileLimit else { return }
        let dated = files.map { ($0, (try? manager.attributesOfItem(atPath: $0)[.modificationDate] as? Date) ?? .distantPast) }
        for (file, _) in dated.sorted(by: { $0.1 > $1.1 }).dropFirst(Self.fileLimit - 1) {
            try? manager.removeItem(atPath: file)
        }
    }
}
