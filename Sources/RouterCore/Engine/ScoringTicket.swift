import Dispatch
import Locking

/// A caller's handle on one query submitted to the engine: wait for its result, with or without
/// a deadline. A waiter that gives up marks the ticket abandoned, so the engine skips or drops it.
public final class ScoringTicket: Sendable {
    private enum State {
        case pending
        case done(Result<ScoredQuery, RouterError>)
        case abandoned
    }

    private let state = Lock(State.pending)
    private let signal = DispatchSemaphore(value: 0)

    public init() {}

    /// Delivers the result (once; later calls and calls after abandonment do nothing).
    func complete(_ result: Result<ScoredQuery, RouterError>) {
        let delivered = state.withLock { state -> Bool in
            guard case .pending = state else { return false }
            state = .done(result)
            return true
        }
        if delivered { signal.signal() }
    }

    /// Whether the waiter has given up.
    var isAbandoned: Bool {
        state.withLock { if case .abandoned = $0 { true } else { false } }
    }

    /// Waits until the result arrives or `deadline` passes (nil: the ticket is then abandoned).
    public func wait(until deadline: DispatchTime) -> Result<ScoredQuery, RouterError>? {
        _ = signal.wait(timeout: deadline)
        return state.withLock { state -> Result<ScoredQuery, RouterError>? in
            if case .done(let result) = state { return result }
            state = .abandoned
            return nil
        }
    }

    /// Waits for the result, however long it takes.
    public func wait() -> Result<ScoredQuery, RouterError> {
        signal.wait()
        return state.withLock { state in
            guard case .done(let result) = state else { preconditionFailure("signalled without a result") }
            return result
        }
    }
}
