import Synchronization

/// Where workers leave response bytes for the event loop, which they wake to write them; also
/// carries the server's draining flag, which decides `Connection: close` on answers.
final class ResponseMailbox: Sendable {
    private let deliveries = Mutex<[ResponseDelivery]>([])
    private let wakeup: WakeupSignal
    private let draining = Atomic<Bool>(false)

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
