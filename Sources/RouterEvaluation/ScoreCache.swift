import Foundation
import RouterCore

/// Label distributions already computed, per (model file hash, template hash, context length),
/// keyed by prompt hash: re-running an evaluation with other metrics or thresholds costs nothing.
/// One JSON-lines file per model/template in the cache folder; lines are only ever appended.
public final class ScoreCache {
    public struct Entry: Sendable {
        public var probabilities: [Double]
        /// Scoring time per query when it was computed.
        public var milliseconds: Double
    }

    /// One stored line.
    private struct Line: Decodable {
        var prompt: String
        var p: [Double]
        var ms: Double?
    }

    public let file: String
    private var entries: [String: Entry] = [:]

    /// Opens (creating) the cache for one model file, template file, context length and batch size.
    public init(directory: String, identity: ScoringIdentity, contextLength: Int, batchSize: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        file = directory + "/" + identity.cacheStem(contextLength: contextLength, batchSize: batchSize) + ".jsonl"
        if let data = FileManager.default.contents(atPath: file) {
            // JSONDecoder, not JSONSerialization: on Linux the latter parses about one double in
            // six to a neighbouring value, and a re-run must see exactly what was stored.
            let decoder = JSONDecoder()
            for line in data.split(separator: 10) {
                guard let row = try? decoder.decode(Line.self, from: Data(line)), row.p.count == 5 else { continue }
                entries[row.prompt] = Entry(probabilities: row.p, milliseconds: row.ms ?? 0)
            }
        }
    }

    /// The prompt's key (`PromptBuilder.cacheKey`: it names the text the model scores).
    public static func key(for prompt: String) -> String {
        PromptBuilder.cacheKey(for: prompt)
    }

    public subscript(prompt: String) -> Entry? {
        entries[Self.key(for: prompt)]
    }

    /// Records new entries (appended to the file in one write).
    public func store(_ new: [(prompt: String, entry: Entry)]) throws {
        guard !new.isEmpty else { return }
        var text = ""
        for (prompt, entry) in new {
            let key = Self.key(for: prompt)
            entries[key] = entry
            let object: [String: Any] = ["prompt": key, "p": entry.probabilities, "ms": entry.milliseconds]
            text += String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try Self.append(Data(text.utf8), to: file)
    }

    /// Appends to a cache file in one write, creating it first if needed (both caches' files).
    static func append(_ data: Data, to file: String) throws {
        if !FileManager.default.fileExists(atPath: file) {
            _ = FileManager.default.createFile(atPath: file, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
    }
}
