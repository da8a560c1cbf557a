import Foundation
import Locking

/// Runs shadow requests (`ShadowOptions`) off the workers that answer clients: each on a thread
/// of its own, at most `maxInFlight` at once; over that bound a shadow is not sent. `stop` makes
/// the running ones give up (their records say so) and waits for them, before the records close.
final class ShadowSender: Sendable {
    let options: ShadowOptions
    private struct State {
        var running = 0
        var stopping = false
    }
    private let state = Lock(State())
    private let idle = DispatchSemaphore(value: 0)

    init(options: ShadowOptions) {
        self.options = options
    }

    /// Whether this request is in the sample.
    func sampled() -> Bool {
        options.rate > 0 && (options.rate >= 1 || Double.random(in: 0..<1) < options.rate)
    }

    /// Whether running shadows should give up (the server is stopping).
    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Starts `job` on its own thread; false (and nothing runs) at the bound or once stopping.
    func start(_ job: @escaping @Sendable () -> Void) -> Bool {
        let admitted = state.withLock { s -> Bool in
            guard !s.stopping, s.running < options.maxInFlight else { return false }
            s.running += 1
            return true
        }
        guard admitted else { return false }
        let thread = Thread { [self] in
            job()
            let last = state.withLock { s -> Bool in
                s.running -= 1
                return s.stopping && s.running == 0
            }
            if last { idle.signal() }
        }
        thread.name = "causal-router-shadow"
        thread.start()
        return true
    }

    /// Refuses new shadows, tells the running ones to give up and waits for them (at most `timeout`).
    func stop(timeout: Duration) {
        let running = state.withLock { s -> Int in
            s.stopping = true
            return s.running
        }
        guard running > 0 else { return }
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        _ = idle.wait(timeout: .now() + .nanoseconds(Int(nanoseconds)))
    }
}
