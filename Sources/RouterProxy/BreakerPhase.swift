/// A circuit breaker's state: closed (requests go through), open (skipped until the cool-down
/// ends), half-open (one probe let through; its result closes or reopens the circuit).
public enum BreakerPhase: String, Sendable {
    case closed
    case open
    case halfOpen = "half_open"

    /// The gauge value in /metrics.
    var gaugeValue: Int {
        switch self {
        case .closed: return 0
        case .open: return 1
        case .halfOpen: return 2
        }
    }
}
