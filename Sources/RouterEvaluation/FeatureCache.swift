import Foundation
import RouterCore

/// Hidden states and zero-shot label logits already computed, per (model file, template file,
/// context length), keyed by prompt hash: training a head again, or evaluating one, costs no
/// forward pass for prompts seen before. One binary file per model/template, append-only:
/// each record is the prompt's SHA-256 (64 hex bytes), a little-endian UInt32 count, a Float32
/// milliseconds and `count` Float32 features (hidden state, then the five label logits).
/// A torn last record (a killed run) is cut off on open.
public final class FeatureCache {
    public struct Entry: Sendable {
        public var hiddenState: [Float]
        public var labelLogits: [Float]
        /// Scoring time per query when it was computed.
        public var milliseconds: Double

        public init(hiddenState: [Float], labelLogits: [Float], milliseconds: Double) {
            self.hiddenState = hiddenState
            self.labelLogits = labelLogits
            self.milliseconds = milliseconds
        }

        public var features: [Float] { LabelHead.features(hiddenState: hiddenState, labelLogits: labelLogits) }
        /// The template's zero-shot distribution (softmax of the label logits).
        public var zeroShot: LabelDistribution { LabelDistribution(logits: labelLogits) }
    }

    public let file: String
    private var entries: [String: Entry] = [:]

    public init(directory: String, identity: ScoringIdentity, contextLength: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        file = directory + "/" + identity.cacheStem(contextLength: contextLength) + ".f32"
        guard let data = FileManager.default.contents(atPath: file) else { return }
        var offset = 0
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            while offset + 72 <= raw.count {
                let key = String(decoding: raw[offset..<offset + 64], as: UTF8.self)
                let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 64, as: UInt32.self)))
                let milliseconds = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 68, as: UInt32.self))))
                let end = offset + 72 + 4 * count
                guard count > 5, end <= raw.count else { break }
                var values = [Float](repeating: 0, count: count)
                for i in 0..<count {
                    values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 72 + 4 * i, as: UInt32.self)))
                }
                entries[key] = Entry(hiddenState: Array(values[..<(count - 5)]), labelLogits: Array(values[(count - 5)...]),
                                     milliseconds: milliseconds)
                offset = end
            }
        }
        if offset < data.count {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
            try handle.truncate(atOffset: UInt64(offset))
            try handle.close()
        }
    }

    public var count: Int { entries.count }

    public subscript(prompt: String) -> Entry? {
        entries[ScoreCache.key(for: prompt)]
    }

    /// Records new entries (appended to the file in one write).
    public func store(_ new: [(prompt: String, entry: Entry)]) throws {
        guard !new.isEmpty else { return }
        var bytes: [UInt8] = []
        for (prompt, entry) in new {
            let key = ScoreCache.key(for: prompt)
            entries[key] = entry
            let values = entry.features
            bytes += Array(key.utf8)
            withUnsafeBytes(of: UInt32(values.count).littleEndian) { bytes += $0 }
            withUnsafeBytes(of: Float(entry.milliseconds).bitPattern.littleEndian) { bytes += $0 }
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        }
        try ScoreCache.append(Data(bytes), to: file)
    }
}
