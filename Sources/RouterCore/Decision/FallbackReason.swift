/// Why a query was not scored and took the config's `fallback_route` instead (fail-open).
public enum FallbackReason: Equatable, Sendable, CustomStringConvertible {
    /// Not scored by its deadline (or known in advance that it would not be).
    case timeout
    /// The engine's queue was full, or it was shutting down.
    case overloaded
    /// The scoring model is not loaded yet.
    case loading
    /// Scoring failed; the message says why.
    case error(String)

    /// As a verdict's `"reason"` says it: `timeout`, `overloaded`, `loading` or `error: MESSAGE`.
    public var description: String {
        switch self {
        case .timeout: "timeout"
        case .overloaded: "overloaded"
        case .loading: "loading"
        case .error(let message): "error: \(message)"
        }
    }

    /// The reason without an error's message: what /metrics counts and `X-Router-Fallback` says.
    public var category: String {
        if case .error = self { return "error" }
        return description
    }
}
