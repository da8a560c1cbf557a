/// The shape of a query log.
public enum InputFormat: String, Sendable, CaseIterable {
    /// One JSON object per line; the query in `prompt`, `query` or `messages` (or `--field`).
    case jsonl
    /// Comma-separated with a header row; the query in a named column.
    case csv
    /// One query per line.
    case text

    /// The format a file name implies: .jsonl/.json/.ndjson, .csv, anything else text.
    public static func guess(path: String) -> InputFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".json") || lower.hasSuffix(".ndjson") { return .jsonl }
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".txt") || lower.hasSuffix(".text") { return .text }
        return nil
    }
}
