import Glibc

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

    /// Whether only this host can connect: a Unix socket, or a loopback TCP address
    /// (127.0.0.0/8, ::1, ::ffff:127.x.x.x, "localhost"). A wildcard (0.0.0.0, ::) is not.
    public var isLocalOnly: Bool {
        switch self {
        case .unix:
            return true
        case .tcp(let host, _):
            if host == "localhost" { return true }
            var v4 = in_addr()
            if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
            var v6 = in6_addr()
            guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
        }
    }
}
