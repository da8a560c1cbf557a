import Locking
import Synchronization

/// Where workers leave response bytes for the event loop, which they wake to write them; also
/// carries the server's draining flag, which decides `Connection: close` on answers.
final class ResponseMailbox: Sendable {
    private let deliveries = Lock<[ResponseDelivery]>([])
    private let wakeup: WakeupSignal
    private let draining = Atomic<Bool>(false)
    /// Connections closed while a handler was still answering on them (the client went away).
    private let abandoned = Lock<Set<UInt64>>([])

    init(wakeup: WakeupSignal) {
        self.wakeup = wakeup
    }

    func post(_ delivery: ResponseDelivery) {
        deliveries.withLock { $0.append(delivery) }
        wakeup.signal()
    }

    /// Everything posted so far, in order.
    func takeAll() -> [ResponseDelivery] {
        deliveries.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }

    /// The event loop closed this connection while its request was being answered.
    func abandon(_ connectionID: UInt64) {
        _ = abandoned.withLock { $0.insert(connectionID) }
    }

    /// The request's final bytes were taken: forget the connection.
    func forget(_ connectionID: UInt64) {
        _ = abandoned.withLock { $0.remove(connectionID) }
    }

    func isAbandoned(_ connectionID: UInt64) -> Bool {
        abandoned.withLock { $0.contains(connectionID) }
    }

    var isDraining: Bool { draining.load(ordering: .acquiring) }

    func beginDraining() {
        draining.store(true, ordering: .releasing)
        wakeup.signal()
    }

    /// Wakes the loop with nothing posted (to look at its flags).
    func wake() {
        wakeup.signal()
    }
}
