/// Where the server listens: a TCP host and port (IPv4 or IPv6 literal, or "localhost"), or a
/// Unix-domain socket path.
public enum ListenAddress: Equatable, Sendable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }
}
