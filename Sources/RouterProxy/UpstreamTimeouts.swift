import RouterCore

/// How long the proxy waits on an upstream: to connect, for the first byte of the answer (its
/// status line; for a non-streamed answer that is the whole generation), and for the whole answer,
/// failover included (a retry on the next tier gets only what is left of `totalMs`).
public struct UpstreamTimeouts: Equatable, Sendable {
    public var connectMs: Int
    public var firstByteMs: Int
    public var totalMs: Int

    public init(connectMs: Int = 2_000, firstByteMs: Int = 60_000, totalMs: Int = 600_000) {
        self.connectMs = connectMs
        self.firstByteMs = firstByteMs
        self.totalMs = totalMs
    }

    /// These timeouts cut to the time left until `deadline`, so that a failover attempt cannot
    /// take the request past its `totalMs`; nil when no time is left.
    func remaining(until deadline: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) -> UpstreamTimeouts? {
        let left = Int((deadline - now).milliseconds)
        guard left > 0 else { return nil }
        return UpstreamTimeouts(connectMs: min(connectMs, left), firstByteMs: min(firstByteMs, left), totalMs: min(totalMs, left))
    }
}
