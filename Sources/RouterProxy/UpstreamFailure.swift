/// Why an exchange with an upstream brought no complete answer.
public enum UpstreamFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// Connection refused or unreachable.
    case refused(String)
    case connectTimeout
    /// No status line within the first-byte timeout.
    case firstByteTimeout
    /// The whole exchange ran past the total timeout.
    case totalTimeout
    /// Reset, closed early or malformed.
    case transport(String)
    /// The circuit breaker skipped it.
    case circuitOpen
    /// The client went away first; the exchange was abandoned (no fault of the upstream).
    case clientGone

    public var description: String {
        switch self {
        case .refused(let detail): return "connection refused (\(detail))"
        case .connectTimeout: return "connect timeout"
        case .firstByteTimeout: return "no answer within the first-byte timeout"
        case .totalTimeout: return "the answer ran past the total timeout"
        case .transport(let detail): return "transport error (\(detail))"
        case .circuitOpen: return "circuit open (recent failures)"
        case .clientGone: return "the client went away"
        }
    }

    /// The label in /metrics' upstream requests.
    var metricLabel: String {
        switch self {
        case .refused: return "refused"
        case .connectTimeout: return "connect_timeout"
        case .firstByteTimeout: return "first_byte_timeout"
        case .totalTimeout: return "total_timeout"
        case .transport: return "transport_error"
        case .circuitOpen: return "circuit_open"
        case .clientGone: return "client_gone"
        }
    }
}
