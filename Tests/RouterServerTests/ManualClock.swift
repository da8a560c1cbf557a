import Locking
import RouterCore

/// A clock the test moves by hand, for time-to-live logic without sleeping.
final class ManualClock: Sendable {
    let start = ContinuousClock.now
    private let elapsed = Lock(Duration.zero)

    var now: ContinuousClock.Instant { start + elapsed.withLock { $0 } }

    func advance(by duration: Duration) {
        elapsed.withLock { $0 += duration }
    }
}
