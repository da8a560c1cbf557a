/// Why bytes on a connection are not an acceptable request; each maps to a status code, and the
/// connection is closed after the error response (its framing can no longer be trusted).
public enum HTTPParseError: HTTPResponseError, Equatable, Sendable {
    case malformedRequestLine
    case malformedHeader
    case unsupportedVersion(String)
    case headersTooLarge(limit: Int)
    case bodyTooLarge(limit: Int)
    case invalidContentLength
    case unsupportedTransferEncoding

    public var status: Int {
        switch self {
        case .malformedRequestLine, .malformedHeader, .invalidContentLength: return 400
        case .unsupportedVersion: return 505
        case .headersTooLarge: return 431
        case .bodyTooLarge: return 413
        case .unsupportedTransferEncoding: return 501
        }
    }

    public var errorType: String { "invalid_request_error" }

    public var message: String {
        switch self {
        case .malformedRequestLine: return "malformed request line"
        case .malformedHeader: return "malformed header field"
        case .unsupportedVersion(let version): return "unsupported HTTP version \(version)"
        case .headersTooLarge(let limit): return "request headers exceed \(limit) bytes"
        case .bodyTooLarge(let limit): return "request body exceeds \(limit) bytes"
        case .invalidContentLength: return "invalid Content-Length"
        case .unsupportedTransferEncoding: return "Transfer-Encoding is not supported; send a Content-Length"
        }
    }
}
