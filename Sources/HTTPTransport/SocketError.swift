import Glibc

/// A failed socket call, with the call's name and errno's text.
public struct SocketError: Error, Equatable, CustomStringConvertible {
    public var call: String
    public var code: Int32

    init(_ call: String, code: Int32 = errno) {
        self.call = call
        self.code = code
    }

    public var description: String { "\(call): \(String(cString: strerror(code)))" }

    /// The call would have blocked on a non-blocking descriptor: try again when it is ready.
    var wouldBlock: Bool { code == EAGAIN || code == EWOULDBLOCK }

    /// The process or the system ran out of file descriptors.
    var outOfDescriptors: Bool { code == EMFILE || code == ENFILE }
}
