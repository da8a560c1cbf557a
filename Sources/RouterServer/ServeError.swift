import RouterCore

/// Why the server could not start.
public enum ServeError: Error, CustomStringConvertible {
    case router(RouterError)
    case socket(SocketError)

    public var description: String {
        switch self {
        case .router(let error): return error.description
        case .socket(let error): return "cannot listen: \(error)"
        }
    }
}
