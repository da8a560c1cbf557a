import HTTPTransport
import RouterCore

/// Why the server could not start.
public enum ServeError: Error, CustomStringConvertible {
    case router(RouterError)
    case socket(SocketError)
    case apiKeys(APIKeyFileError)
    /// `--record DIR` cannot be written.
    case recording(RecordingError)
    /// A TCP address other hosts can reach, with no API key file.
    case unauthenticatedNetworkAddress(ListenAddress)

    public var description: String {
        switch self {
        case .router(let error): return error.description
        case .socket(let error): return "cannot listen: \(error)"
        case .apiKeys(let error): return error.description
        case .recording(let error): return error.description
        case .unauthenticatedNetworkAddress(let address):
            return "refusing to serve \(address) without authentication: other hosts could reach it; "
                + "give --api-key-file FILE, or --allow-unauthenticated if that is intended"
        }
    }
}
