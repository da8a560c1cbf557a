import CEpoll
import Glibc

/// A level-triggered epoll set: descriptors registered with the events wanted, and a wait that
/// reports which are ready. Used by one thread (the event loop).
final class EventPoller {
    /// What a descriptor is watched for.
    struct Interest: OptionSet, Equatable {
        let rawValue: UInt8
        static let readable = Interest(rawValue: 1)
        static let writable = Interest(rawValue: 2)
    }

    /// A descriptor that is ready. `hangup` covers errors and a peer gone both ways.
    struct Event {
        var descriptor: Int32
        var readable: Bool
        var writable: Bool
        var hangup: Bool
    }

    private let descriptor: Int32
    private var events: [epoll_event]

    init(capacity: Int = 256) throws(SocketError) {
        descriptor = try SystemCall.run("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        events = Array(repeating: epoll_event(), count: capacity)
    }

    deinit {
        _ = Glibc.close(descriptor)
    }

    func add(_ fd: Int32, _ interest: Interest) throws(SocketError) {
        try control(EPOLL_CTL_ADD, fd, interest)
    }

    func modify(_ fd: Int32, _ interest: Interest) throws(SocketError) {
        try control(EPOLL_CTL_MOD, fd, interest)
    }

    /// Stops watching `fd` (closing a descriptor also removes it).
    func remove(_ fd: Int32) {
        _ = try? SystemCall.run("epoll_ctl") { epoll_ctl(descriptor, EPOLL_CTL_DEL, fd, nil) }
    }

    /// Waits up to `timeoutMs` for ready descriptors (an empty list on timeout or a signal).
    func wait(timeoutMs: Int32) throws(SocketError) -> [Event] {
        let capacity = Int32(events.count)
        let count: Int32
        do {
            count = try events.withUnsafeMutableBufferPointer { buffer throws(SocketError) in
                let n = epoll_wait(descriptor, buffer.baseAddress, capacity, timeoutMs)
                if n < 0 && errno == EINTR { return 0 }
                guard n >= 0 else { throw SocketError("epoll_wait") }
                return n
            }
        }
        return events.prefix(Int(count)).map { event in
            let bits = event.events
            let failed = bits & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
            return Event(descriptor: Int32(truncatingIfNeeded: event.data.u64),
                         readable: bits & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0,
                         writable: bits & EPOLLOUT.rawValue != 0,
                         hangup: failed)
        }
    }

    private func control(_ operation: Int32, _ fd: Int32, _ interest: Interest) throws(SocketError) {
        var event = epoll_event()
        event.events = (interest.contains(.readable) ? EPOLLIN.rawValue | EPOLLRDHUP.rawValue : 0)
            | (interest.contains(.writable) ? EPOLLOUT.rawValue : 0)
        event.data.u64 = UInt64(UInt32(bitPattern: fd))
        try SystemCall.run("epoll_ctl") { epoll_ctl(descriptor, operation, fd, &event) }
    }
}
