import Locking
import RouterCore

/// Which tier each recent conversation is on (`serve --sessions N --session-ttl S`): at most N
/// entries, least recently used first out, each forgotten S seconds after its last turn (every
/// turn stores its key again). Keys are SHA-256 digests (`SessionKey`) and values tier names,
/// so nothing of a conversation's text is kept. One store serves the proxy and `/v1/route`; it
/// lives in the service, so a SIGHUP reload keeps it.
///
/// Size: `bytesPerSessionBound` per entry at most (the store's own accounting,
/// `statistics.bytes`; measured in docs/sessions.md), plus a tier name's buffer when the name is
/// longer than 15 bytes.
public final class SessionStore: Sendable {
    private struct State {
        var entries: ExpiringLRU<SessionKey, String>
        var decisions: [SessionOutcome: Int] = [:]
    }

    /// The most sessions held (0: affinity is off, nothing is stored or looked up).
    public let capacity: Int
    public let timeToLive: Duration
    private let clock: @Sendable () -> ContinuousClock.Instant
    private let state: Lock<State>

    /// The documented bound on the store's bytes per session (docs/sessions.md, README).
    public static let bytesPerSessionBound = 256

    /// `clock` tells the time (tests move it by hand).
    public init(capacity: Int, timeToLive: Duration,
                clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.capacity = max(0, capacity)
        self.timeToLive = timeToLive
        self.clock = clock
        self.state = Lock(State(entries: ExpiringLRU(capacity: max(0, capacity), timeToLive: timeToLive)))
    }

    public var isEnabled: Bool { capacity > 0 }

    /// The tier of the session under `key`, if it is held and its time to live has not passed.
    public func tier(for key: SessionKey) -> String? {
        guard isEnabled else { return nil }
        let now = clock()
        return state.withLock { $0.entries.value(for: key, now: now) }
    }

    /// Puts (or keeps) the session under `key` on `tier`, restarting its time to live.
    public func pin(_ key: SessionKey, to tier: String) {
        guard isEnabled else { return }
        let now = clock()
        state.withLock { _ = $0.entries.store(tier, for: key, now: now) }
    }

    /// Counts one routing decision for /metrics.
    public func record(_ outcome: SessionOutcome) {
        state.withLock { $0.decisions[outcome, default: 0] += 1 }
    }

    public var statistics: SessionStatistics {
        state.withLock { state in
            SessionStatistics(decisions: state.decisions, entries: state.entries.count, capacity: capacity,
                              bytes: state.entries.storageBytes)
        }
    }

    /// The store's `/metrics` lines.
    public var metricsText: String {
        let s = statistics
        var out = PrometheusText.family("session_decisions_total", "counter",
                                        "Requests of a session, by what affinity did (new, pinned, upgraded, downgraded, tool).")
        for outcome in SessionOutcome.allCases {
            out += PrometheusText.sample("session_decisions_total", "decision=\"\(outcome.rawValue)\"", Double(s.decisions[outcome] ?? 0))
        }
        out += PrometheusText.family("sessions", "gauge", "Sessions held (expired ones not yet dropped included).")
        out += PrometheusText.sample("sessions", "", Double(s.entries))
        out += PrometheusText.family("sessions_capacity", "gauge", "The most sessions held (0: affinity off).")
        out += PrometheusText.sample("sessions_capacity", "", Double(s.capacity))
        out += PrometheusText.family("sessions_bytes", "gauge", "Bytes the session store's own storage takes.")
        out += PrometheusText.sample("sessions_bytes", "", Double(s.bytes))
        return out
    }
}
