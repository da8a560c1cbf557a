/// Why a judging run cannot go on at all (a record that cannot be judged is no such error: it goes
/// to the errors file).
public enum JudgeError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(String)
    case noRecords(folder: String)
    case cannotWrite(String)
    case outputCorrupt(path: String, line: Int)
    /// The judge stayed unreachable through the retries; records not written are judged on the next run.
    case judgeUnavailable(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path): "cannot read the input \(path)"
        case .noRecords(let folder): "the folder \(folder) holds no records-*.jsonl files"
        case .cannotWrite(let reason): reason
        case .outputCorrupt(let path, let line):
            "\(path) line \(line) is not a row written by `judge`; use another --output (or --errors) or remove the file"
        case .judgeUnavailable(let reason):
            "\(reason); stopped (rows written so far are kept: run the same command again to go on)"
        }
    }
}
