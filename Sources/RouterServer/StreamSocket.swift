import Glibc

/// One connected stream socket: reads with a timeout, writes everything, closes once.
final class StreamSocket {
    private let descriptor: Int32
    private var closed = false

    init(descriptor: Int32) {
        self.descriptor = descriptor
        var yes: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        close()
    }

    enum ReadResult: Equatable {
        case data([UInt8])
        case timedOut
        case closed
    }

    /// Reads what is available, waiting up to `timeoutMs`.
    func read(timeoutMs: Int32, maxBytes: Int = 65_536) -> ReadResult {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, timeoutMs)
        if ready == 0 { return .timedOut }
        if ready < 0 { return errno == EINTR ? .timedOut : .closed }
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, maxBytes, 0) }
        if n > 0 { return .data(Array(buffer.prefix(n))) }
        if n < 0 && (errno == EINTR || errno == EAGAIN) { return .timedOut }
        return .closed
    }

    /// Writes all of `bytes`; false when the peer has gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(descriptor)
    }
}
