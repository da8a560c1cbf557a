import Glibc

/// One connected, non-blocking stream socket (TCP or Unix-domain). Owned by the event loop's
/// thread; every call goes through `SystemCall`, so failures are typed `SocketError`s.
final class StreamSocket {
    let descriptor: Int32
    private(set) var isClosed = false

    enum ReceiveResult: Equatable {
        case received(Int)
        case wouldBlock
        case endOfStream
    }

    /// Takes ownership of `descriptor` and makes it non-blocking.
    init(descriptor: Int32) throws(SocketError) {
        self.descriptor = descriptor
        do {
            let flags = try SystemCall.run("fcntl") { fcntl(descriptor, F_GETFL) }
            try SystemCall.run("fcntl") { fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
        // Fails harmlessly on a Unix-domain socket.
        var yes: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        close()
    }

    /// Reads what is available into `buffer`.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> ReceiveResult {
        do {
            let count = try SystemCall.run("recv") { recv(descriptor, buffer.baseAddress, buffer.count, 0) }
            return count == 0 ? .endOfStream : .received(count)
        } catch where error.wouldBlock {
            return .wouldBlock
        }
    }

    /// Writes what the socket takes now; the count written (0 when it would block).
    func send(_ bytes: UnsafeRawBufferPointer) throws(SocketError) -> Int {
        guard !bytes.isEmpty else { return 0 }
        do {
            return try SystemCall.run("send") { Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
        } catch where error.wouldBlock {
            return 0
        }
    }

    /// Sends FIN: the peer reads the end of the response; reading from it goes on.
    func shutdownWrite() {
        _ = try? SystemCall.run("shutdown") { Glibc.shutdown(descriptor, Int32(SHUT_WR)) }
    }

    /// Bytes received and not read yet.
    var unreadByteCount: Int {
        var count: Int32 = 0
        return (try? SystemCall.run("ioctl") { ioctl(descriptor, UInt(FIONREAD), &count) }) == nil ? 0 : Int(count)
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = Glibc.close(descriptor)
    }
}
