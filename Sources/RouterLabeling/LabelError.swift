/// Why a labeling run cannot go on at all (bad rows are not errors: they go to the errors file).
public enum LabelError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String)
    case cannotWrite(path: String, reason: String)
    case csvHeader(String)
    case outputCorrupt(path: String, line: Int)
    case strictStop(line: Int, reason: String)
    case nothingLabeled(errors: Int)
    case badShard(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path): return "cannot read input \(path)"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .csvHeader(let reason): return reason
        case .outputCorrupt(let path, let line):
            return "\(path) line \(line) is not a verdict written by `label`; use another --output or remove the file"
        case .strictStop(let line, let reason): return "line \(line): \(reason) (--strict stops at the first bad row)"
        case .nothingLabeled(let errors): return "no row could be labeled (\(errors) bad rows; see the errors file)"
        case .badShard(let text): return "--shard must be i/n with 0 <= i < n, got '\(text)'"
        }
    }
}
