/// What the server itself refuses, before or instead of a handler's answer.
public enum HTTPServerError: HTTPResponseError, Equatable, Sendable {
    /// No endpoint at the path (`RouteTable`).
    case notFound(path: String)
    /// The path takes another method (`RouteTable`).
    case methodNotAllowed(path: String, allowed: String)
    /// The request was not received in time (slow clients).
    case requestTimeout
    /// Too many connections already have requests in flight.
    case tooManyConnections
    /// A handler returned without answering.
    case noResponse

    public var status: Int {
        switch self {
        case .notFound: 404
        case .methodNotAllowed: 405
        case .requestTimeout: 408
        case .tooManyConnections: 503
        case .noResponse: 500
        }
    }

    public var errorType: String {
        switch self {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .requestTimeout: "timeout"
        case .tooManyConnections: "overloaded"
        case .noResponse: "server_error"
        }
    }

    public var message: String {
        switch self {
        case .notFound(let path): "no endpoint \(path); see GET /v1/config"
        case .methodNotAllowed(let path, let allowed): "\(path) takes \(allowed)"
        case .requestTimeout: "request not received in time"
        case .tooManyConnections: "too many connections with requests in flight"
        case .noResponse: "the handler produced no response"
        }
    }

    public var headers: [(String, String)] {
        if case .methodNotAllowed(_, let allowed) = self { return [("Allow", allowed)] }
        return []
    }
}
