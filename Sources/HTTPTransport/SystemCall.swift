import Glibc

/// The socket layer's one way to make a system call: retries EINTR and turns a -1 result into a
/// `SocketError` carrying the call's name and errno.
enum SystemCall {
    @discardableResult
    static func run<Result: BinaryInteger>(_ name: StaticString, _ call: () -> Result) throws(SocketError) -> Result {
        while true {
            let result = call()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SocketError("\(name)", code: code)
        }
    }
}
