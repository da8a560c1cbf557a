import CEpoll
import Glibc

/// An eventfd another thread writes to wake the event loop out of its wait (a worker has a
/// response ready, or shutdown began). Signalling is safe from any thread.
final class WakeupSignal: Sendable {
    let descriptor: Int32

    init() throws(SocketError) {
        descriptor = try SystemCall.run("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
    }

    deinit {
        _ = Glibc.close(descriptor)
    }

    func signal() {
        var one: UInt64 = 1
        _ = try? SystemCall.run("write") { Glibc.write(descriptor, &one, 8) }
    }

    /// Resets the counter after a wake-up.
    func drain() {
        var count: UInt64 = 0
        _ = try? SystemCall.run("read") { Glibc.read(descriptor, &count, 8) }
    }
}
