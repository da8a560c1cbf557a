/// Why an API key file cannot be used; the text never contains a key.
public enum APIKeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String)
    case empty(path: String)
    case malformed(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path):
            return "cannot read the API key file \(path)"
        case .empty(let path):
            return "the API key file \(path) holds no key (one key a line; blank lines and # comments are ignored)"
        case .malformed(let path, let line, let reason):
            return "the API key file \(path), line \(line): \(reason)"
        }
    }
}
