import RouterCore

/// Why `serve --record DIR` cannot record: checked at start, so a bad folder stops the start
/// with one line instead of losing every record later.
public enum RecordingError: Error, Equatable, CustomStringConvertible {
    /// The path exists and is not a folder.
    case notAFolder(String)
    /// The folder cannot be created, or written to.
    case notWritable(String, reason: String)
    /// The newest record file cannot be recovered or opened.
    case file(AppendOnlyFileError)

    public var description: String {
        switch self {
        case .notAFolder(let path): return "--record \(path): exists and is not a folder"
        case .notWritable(let path, let reason): return "--record \(path): not a writable folder (\(reason))"
        case .file(let error): return "--record: \(error)"
        }
    }
}
