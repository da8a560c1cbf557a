import Foundation
import RouterCore

/// Features already computed, per (model file, template file, context length, pooled blocks),
/// keyed by prompt hash: training a head again, or evaluating one, costs no forward pass for
/// prompts seen before. One binary file per model/template/blocks, append-only: each record is
/// the prompt's SHA-256 (64 hex bytes), a little-endian UInt32 count, a Float32 milliseconds and
/// `count` Float32 values: the pooled blocks' states, the final hidden state, the five label
/// logits and the prompt statistics. A torn last record (a killed run) is cut off on open.
public final class FeatureCache {
    public struct Entry: Sendable {
        /// The pooled blocks' states, block after block (empty when none were pooled).
        public var pooledStates: [Float]
        public var hiddenState: [Float]
        public var labelLogits: [Float]
        public var promptStatistics: [Float]
        /// Scoring time per query when it was computed.
        public var milliseconds: Double

        public init(pooledStates: [Float] = [], hiddenState: [Float], labelLogits: [Float],
                    promptStatistics: [Float] = [Float](repeating: 0, count: PromptStatistics.count), milliseconds: Double) {
            self.pooledStates = pooledStates
            self.hiddenState = hiddenState
            self.labelLogits = labelLogits
            self.promptStatistics = promptStatistics
            self.milliseconds = milliseconds
        }

        /// The entry as the engine's answer (for `HeadFeatures.vector`).
        public var scored: ScoredQuery {
            ScoredQuery(distribution: zeroShot, truncated: false, promptTokens: 0, hiddenState: hiddenState,
                        labelLogits: labelLogits, pooledStates: pooledStates.isEmpty ? nil : pooledStates,
                        promptStatistics: promptStatistics)
        }

        /// The feature vector `features` reads (nil if the entry lacks a pooled block it needs).
        public func vector(_ features: HeadFeatures) -> [Float]? { features.vector(of: scored) }

        /// The template's zero-shot distribution (softmax of the label logits).
        public var zeroShot: LabelDistribution { LabelDistribution(logits: labelLogits) }

        var values: [Float] { pooledStates + hiddenState + labelLogits + promptStatistics }
    }

    public let file: String
    /// The blocks whose pooled states every entry holds.
    public let pooledBlocks: [Int]
    /// Whether the features were read at the query's end (`FeaturePosition.queryEnd`).
    public let endsAtQuery: Bool
    private var entries: [String: Entry] = [:]

    /// Opens (or starts) the file for `pooledBlocks`. Entries of other files of the same model,
    /// template and context whose pooled blocks include these are read too (their extra blocks
    /// dropped), so a head on a subset of the blocks extracted once costs no forward pass.
    /// `endsAtQuery`: features read at the query's end (no template suffix), kept in files of
    /// their own.
    public init(directory: String, identity: ScoringIdentity, contextLength: Int, batchSize: Int, pooledBlocks: [Int] = [],
                endsAtQuery: Bool = false) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.pooledBlocks = Array(Set(pooledBlocks)).sorted()
        self.endsAtQuery = endsAtQuery
        let stem = identity.cacheStem(contextLength: contextLength, batchSize: batchSize) + (endsAtQuery ? "-qe" : "") + "-f2"
        file = directory + "/" + stem + Self.suffix(self.pooledBlocks) + ".f32"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasPrefix(stem) && name.hasSuffix(".f32") && directory + "/" + name != file {
            guard let blocks = Self.blocks(inName: name, stem: stem), Set(self.pooledBlocks).isSubset(of: Set(blocks)),
                  let data = FileManager.default.contents(atPath: directory + "/" + name) else { continue }
            let positions = self.pooledBlocks.map { blocks.firstIndex(of: $0)! }
            _ = Self.parse(data, pooledCount: blocks.count) { key, entry in
                guard entries[key] == nil else { return }
                let width = entry.hiddenState.count
                var selected = entry
                selected.pooledStates = positions.flatMap { Array(entry.pooledStates[($0 * width)..<(($0 + 1) * width)]) }
                entries[key] = selected
            }
        }
        guard let data = FileManager.default.contents(atPath: file) else { return }
        let offset = Self.parse(data, pooledCount: self.pooledBlocks.count) { key, entry in entries[key] = entry }
        if offset < data.count {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
            try handle.truncate(atOffset: UInt64(offset))
            try handle.close()
        }
    }

    private static func suffix(_ blocks: [Int]) -> String {
        blocks.isEmpty ? "" : "-p" + blocks.map(String.init).joined(separator: ".")
    }

    /// The pooled blocks a cache file name holds ("<stem>.f32": none, "<stem>-p3.6.f32": 3 and 6).
    private static func blocks(inName name: String, stem: String) -> [Int]? {
        let rest = name.dropFirst(stem.count).dropLast(4)
        if rest.isEmpty { return [] }
        guard rest.hasPrefix("-p") else { return nil }
        let numbers = rest.dropFirst(2).split(separator: ".").map { Int($0) }
        return numbers.contains(nil) ? nil : numbers.map { $0! }
    }

    /// Reads the whole records of a file; returns the offset after the last one.
    private static func parse(_ data: Data, pooledCount: Int, _ found: (String, Entry) -> Void) -> Int {
        let fixed = 5 + PromptStatistics.count
        let parts = pooledCount + 1
        var offset = 0
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            while offset + 72 <= raw.count {
                let key = String(decoding: raw[offset..<offset + 64], as: UTF8.self)
                let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 64, as: UInt32.self)))
                let milliseconds = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 68, as: UInt32.self))))
                let end = offset + 72 + 4 * count
                guard count > fixed, (count - fixed) % parts == 0, end <= raw.count else { break }
                var values = [Float](repeating: 0, count: count)
                for i in 0..<count {
                    values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 72 + 4 * i, as: UInt32.self)))
                }
                let width = (count - fixed) / parts
                let pooled = width * (parts - 1)
                found(key, Entry(pooledStates: Array(values[..<pooled]), hiddenState: Array(values[pooled..<(pooled + width)]),
                                 labelLogits: Array(values[(pooled + width)..<(pooled + width + 5)]),
                                 promptStatistics: Array(values[(pooled + width + 5)...]), milliseconds: milliseconds))
                offset = end
            }
        }
        return offset
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
            let values = entry.values
            bytes += Array(key.utf8)
            withUnsafeBytes(of: UInt32(values.count).littleEndian) { bytes += $0 }
            withUnsafeBytes(of: Float(entry.milliseconds).bitPattern.littleEndian) { bytes += $0 }
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        }
        try ScoreCache.append(Data(bytes), to: file)
    }
}
