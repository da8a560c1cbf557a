/// The engine's work not yet done, in tokens, and how fast it has been decoding them: enough
/// to tell, when a query arrives, whether it could be scored before its deadline. A query that
/// cannot is refused at once (the caller fails open now) instead of waiting in the queue until
/// its deadline passes while it holds a handler thread.
///
/// Pure bookkeeping, no clock: the engine adds a query's tokens when it is queued, removes them
/// when the query leaves (scored, failed or abandoned), and reports each decode's tokens and
/// seconds. Guarded by the engine's queue lock.
struct ScoringBacklog: Equatable, Sendable {
    /// Tokens of queued and in-flight queries (an in-flight query counts whole until it leaves).
    private(set) var pendingTokens = 0
    /// Smoothed seconds per decoded token (nil before the first decode is measured).
    private(set) var secondsPerToken: Double?
    /// Weight of the newest decode in the smoothed rate.
    static let smoothing = 0.1

    mutating func added(tokens: Int) {
        pendingTokens += tokens
    }

    mutating func removed(tokens: Int) {
        pendingTokens = max(0, pendingTokens - tokens)
    }

    mutating func observed(tokens: Int, seconds: Double) {
        guard tokens > 0, seconds.isFinite, seconds >= 0 else { return }
        let rate = seconds / Double(tokens)
        secondsPerToken = secondsPerToken.map { $0 + Self.smoothing * (rate - $0) } ?? rate
    }

    /// Seconds until a new query of `tokens` would be scored, everything before it first; nil
    /// while the rate is unknown.
    func estimatedSeconds(forNew tokens: Int) -> Double? {
        secondsPerToken.map { Double(pendingTokens + tokens) * $0 }
    }

    /// Whether a new query of `tokens` is expected to be scored within `seconds` (unknown rate:
    /// yes, the engine has not measured itself yet).
    func admits(tokens: Int, within seconds: Double) -> Bool {
        guard let estimate = estimatedSeconds(forNew: tokens) else { return true }
        return estimate <= seconds
    }
}
