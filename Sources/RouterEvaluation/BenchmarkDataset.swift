import Foundation
import RouterCore

/// The rows of one benchmark file, contaminated rows dropped, filtered to a split.
public struct BenchmarkDataset: Sendable {
    /// Which rows of a file: its fixed `split` field (train, test, all), or by the rows' `time`
    /// (recorded traffic, `causal-router judge`): the oldest 80% or the newest 20%, so a head is
    /// checked on traffic that came after what it learned.
    public enum Split: String, Sendable, CaseIterable {
        case train, test, all
        case oldest = "time:oldest"
        case newest = "time:newest"

        /// The share of a file's rows (by time) that are the oldest part.
        public static let oldestShare = 0.8

        var isByTime: Bool { self == .oldest || self == .newest }
    }

    public var name: String
    public var rows: [BenchmarkRow]

    public init(name: String, rows: [BenchmarkRow]) {
        self.name = name
        self.rows = rows
    }

    /// A deterministic sample of at most `count` rows: those with the smallest SHA-256 of their
    /// id, so every run and every model sees the same rows (row order kept).
    public func sampled(_ count: Int) -> BenchmarkDataset {
        guard count < rows.count else { return self }
        let keep = Set(rows.map { ($0.id, SHA256.hex(Array($0.id.utf8))) }.sorted { $0.1 < $1.1 }.prefix(count).map(\.0))
        return BenchmarkDataset(name: name, rows: rows.filter { keep.contains($0.id) })
    }

    /// A set of obvious cases (`score_scale` `obvious` on every row: each prompt is either one a
    /// weak model answers as well as a strong one, or one the strong model clearly wins):
    /// `eval` reports how a router separates the two classes (`ClassSeparation`).
    public var isObviousCases: Bool { !rows.isEmpty && rows.allSatisfy { $0.scoreScale == BenchmarkRow.obviousScale } }

    public var strongMean: Double { rows.map(\.strongScore).reduce(0, +) / Double(max(1, rows.count)) }
    public var weakMean: Double { rows.map(\.weakScore).reduce(0, +) / Double(max(1, rows.count)) }

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// One dataset per file, each cut to a fixed sample of at most `sample` rows when given;
    /// a file without rows in the split is an error.
    public static func load(paths: [String], split: Split, sample: Int? = nil) throws(LoadError) -> [BenchmarkDataset] {
        try load(paths: paths, split: split, samples: paths.map { _ in sample })
    }

    /// As `load(paths:split:sample:)`, with one sample size per file (nil: the whole file).
    public static func load(paths: [String], split: Split, samples: [Int?]) throws(LoadError) -> [BenchmarkDataset] {
        precondition(samples.count == paths.count, "one sample size per file")
        var datasets: [BenchmarkDataset] = []
        for (path, sample) in zip(paths, samples) {
            let dataset = try load(path: path, split: split)
            if dataset.rows.isEmpty { throw LoadError(description: "\(path) has no \(split.rawValue) rows") }
            datasets.append(sample.map { dataset.sampled($0) } ?? dataset)
        }
        return datasets
    }

    /// Reads a JSONL file in the routing-data schema.
    public static func load(path: String, split: Split) throws(LoadError) -> BenchmarkDataset {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "cannot read data file \(path)")
        }
        var rows: [BenchmarkRow] = []
        var times: [String: Date] = [:]
        var benchmark: String?
        for (index, line) in data.split(separator: 10).enumerated() where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let id = object["id"] as? String, let prompt = object["prompt"] as? String,
                  let strong = (object["strong"] as? [String: Any])?["score"] as? Double,
                  let weak = (object["weak"] as? [String: Any])?["score"] as? Double,
                  let label = object["label"] as? Int, (1...5).contains(label) else {
                throw LoadError(description: "\(path) line \(index + 1): not a routing-data row (id, prompt, strong.score, weak.score, label)")
            }
            let row = BenchmarkRow(id: id, benchmark: object["benchmark"] as? String ?? "", prompt: prompt,
                                   strongScore: strong, weakScore: weak, label: label,
                                   contaminated: object["contaminated"] as? Bool ?? false,
                                   split: object["split"] as? String ?? "test",
                                   scoreScale: object["score_scale"] as? String ?? "",
                                   category: object["category"] as? String ?? "")
            benchmark = benchmark ?? (row.benchmark.isEmpty ? nil : row.benchmark)
            if split.isByTime {
                guard let text = object["time"] as? String, let time = Self.parseTime(text) else {
                    throw LoadError(description: "\(path) line \(index + 1): --split time needs a \"time\" (ISO-8601, as `serve --record` "
                                    + "and `judge` write it) on every row")
                }
                times[row.id] = time
            }
            if row.contaminated || (!split.isByTime && split != .all && row.split != split.rawValue) { continue }
            rows.append(row)
        }
        if split.isByTime {
            // Oldest first (ties by id, so the cut is the same on every run); the first 80% are
            // the oldest part, the rest the newest.
            rows.sort { (times[$0.id]!, $0.id) < (times[$1.id]!, $1.id) }
            let cut = Int((Double(rows.count) * Split.oldestShare).rounded(.down))
            rows = split == .oldest ? Array(rows[..<cut]) : Array(rows[cut...])
        }
        let name = benchmark ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return BenchmarkDataset(name: name, rows: rows)
    }

    /// An ISO-8601 time with or without fractional seconds.
    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
