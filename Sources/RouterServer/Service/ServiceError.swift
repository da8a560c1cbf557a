import HTTPTransport

/// What the service refuses before an endpoint acts on a request.
public enum ServiceError: HTTPResponseError, Equatable, Sendable {
    /// Authentication is on and the request has no `Authorization` header.
    case missingAPIKey
    /// Its `Authorization` is not one of the keys.
    case invalidAPIKey
    /// The scoring model is still loading, or failed to load.
    case notReady

    public var status: Int {
        switch self {
        case .missingAPIKey, .invalidAPIKey: 401
        case .notReady: 503
        }
    }

    public var errorType: String {
        switch self {
        case .missingAPIKey, .invalidAPIKey: "authentication_error"
        case .notReady: "unavailable"
        }
    }

    public var message: String {
        switch self {
        case .missingAPIKey: "missing API key: send Authorization: Bearer <key>"
        case .invalidAPIKey: "invalid API key"
        case .notReady: "the scoring model is not ready; see GET /healthz"
        }
    }

    public var headers: [(String, String)] {
        switch self {
        case .missingAPIKey, .invalidAPIKey: [("WWW-Authenticate", "Bearer")]
        case .notReady: []
        }
    }
}
