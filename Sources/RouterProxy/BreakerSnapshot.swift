/// A breaker's state at one moment, for /metrics and /v1/config.
struct BreakerSnapshot: Sendable {
    var phase: BreakerPhase
    var consecutiveFailures: Int
    /// Current cool-down (doubles after each failed probe).
    var cooldownMs: Int
    /// Until the next probe (open) or the end of a Retry-After hold; 0 when requests go through.
    var retryInMs: Int
    /// Times the circuit opened.
    var opened: Int
}
