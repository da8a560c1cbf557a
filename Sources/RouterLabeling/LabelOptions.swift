/// What `causal-router label` reads and writes.
public struct LabelOptions: Sendable {
    /// Input path, or "-" for standard input.
    public var input: String
    /// Output path, or "-" for standard output.
    public var output: String
    /// Where bad rows go; nil means OUTPUT.errors.jsonl (standard error when output is "-").
    public var errorsPath: String?
    public var format: InputFormat?
    /// Dot path of the query field (JSONL) or the column name (CSV).
    public var field: String?
    public var idField: String?
    /// Label only rows whose (line - 1) % count == index.
    public var shard: (index: Int, count: Int)?
    public var strict = false

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }

    /// The errors file in use ("-" for standard error).
    public var resolvedErrorsPath: String {
        errorsPath ?? (output == "-" ? "-" : output + ".errors.jsonl")
    }

    /// Parses "i/n".
    public static func parseShard(_ text: String) throws(LabelError) -> (index: Int, count: Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n > 0, (0..<n).contains(i) else {
            throw .badShard(text)
        }
        return (i, n)
    }
}
