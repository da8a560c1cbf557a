import Locking
import RouterCore

/// One upstream's circuit breaker: after `failureThreshold` consecutive failures the upstream is
/// skipped for a cool-down, then one probe is let through: success closes the circuit (and resets
/// the cool-down), failure reopens it for twice as long, up to the policy's maximum. A 429's
/// `Retry-After` holds the upstream back for that long whatever the phase.
final class CircuitBreaker: Sendable {
    private struct State {
        var phase = BreakerPhase.closed
        var consecutiveFailures = 0
        var cooldownMs: Int
        var openUntil: ContinuousClock.Instant?
        var probeInFlight = false
        var heldUntil: ContinuousClock.Instant?
        var opened = 0
    }

    let policy: BreakerPolicy
    private let state: Lock<State>

    init(policy: BreakerPolicy) {
        self.policy = policy
        self.state = Lock(State(cooldownMs: policy.cooldownMs))
    }

    /// Whether a request may go to the upstream now; in the half-open phase only the one probe.
    /// Every admitted request must end in `recordSuccess` or `recordFailure`.
    func admit(now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { s in
            if let held = s.heldUntil {
                if now < held { return false }
                s.heldUntil = nil
            }
            switch s.phase {
            case .closed:
                return true
            case .open:
                guard let until = s.openUntil, now >= until else { return false }
                s.phase = .halfOpen
                s.probeInFlight = true
                return true
            case .halfOpen:
                if s.probeInFlight { return false }
                s.probeInFlight = true
                return true
            }
        }
    }

    func recordSuccess() {
        state.withLock { s in
            s.phase = .closed
            s.consecutiveFailures = 0
            s.cooldownMs = policy.cooldownMs
            s.openUntil = nil
            s.probeInFlight = false
        }
    }

    /// An admitted request ended without a verdict on the upstream (the client went away): a
    /// half-open probe's turn passes to the next request, nothing else changes.
    func recordAbandoned() {
        state.withLock { s in
            if s.phase == .halfOpen { s.probeInFlight = false }
        }
    }

    /// A failure; `retryAfterSeconds` (a 429's header) holds the upstream back that long.
    func recordFailure(retryAfterSeconds: Double? = nil, now: ContinuousClock.Instant = .now) {
        state.withLock { s in
            s.consecutiveFailures += 1
            if let seconds = retryAfterSeconds {
                s.heldUntil = now + .milliseconds(Int64(min(seconds, 86_400) * 1000))
            }
            switch s.phase {
            case .halfOpen:
                s.cooldownMs = min(s.cooldownMs * 2, policy.maxCooldownMs)
                s.phase = .open
                s.openUntil = now + .milliseconds(s.cooldownMs)
                s.probeInFlight = false
                s.opened += 1
            case .closed where s.consecutiveFailures >= policy.failureThreshold:
                s.phase = .open
                s.openUntil = now + .milliseconds(s.cooldownMs)
                s.opened += 1
            case .closed, .open:
                break
            }
        }
    }

    func snapshot(now: ContinuousClock.Instant = .now) -> BreakerSnapshot {
        state.withLock { s in
            var waits: [Duration] = []
            if s.phase == .open, let until = s.openUntil { waits.append(until - now) }
            if let held = s.heldUntil { waits.append(held - now) }
            let longest = waits.max() ?? .zero
            let ms = max(0, Int(longest.components.seconds * 1000 + longest.components.attoseconds / 1_000_000_000_000_000))
            return BreakerSnapshot(phase: s.phase, consecutiveFailures: s.consecutiveFailures, cooldownMs: s.cooldownMs,
                                   retryInMs: ms, opened: s.opened)
        }
    }
}
