import Glibc

/// A bound, listening, non-blocking socket (TCP or Unix-domain). A Unix socket file is created
/// with mode 0600 (only the owner may connect) and removed on close.
final class ListeningSocket: @unchecked Sendable {
    let descriptor: Int32
    private let unixPath: String?
    /// The address actually bound (the real port when port 0 was asked for).
    let address: ListenAddress

    init(_ requested: ListenAddress, backlog: Int32 = 1024) throws(SocketError) {
        switch requested {
        case .unix(let path):
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw SocketError("socket") }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
                Glibc.close(fd)
                throw SocketError("bind", code: ENAMETOOLONG)
            }
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            unlink(path)
            try Self.bind(fd, to: &addr, describing: path)
            // Before listen(): nobody can connect yet, so no one slips in under a wider mode.
            guard chmod(path, 0o600) == 0 else {
                let error = SocketError("chmod \(path)")
                Glibc.close(fd)
                unlink(path)
                throw error
            }
            descriptor = fd
            unixPath = path
            address = requested
        case .tcp(let host, let port):
            let name = host == "localhost" ? "127.0.0.1" : host
            // A numeric IPv4 or IPv6 address (no name lookup), as the socket address to bind.
            var hints = addrinfo()
            hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            // inet_pton first: getaddrinfo also takes shorthands such as "127.1" or "0x7f.0.0.1".
            var parsed = in6_addr()
            var found: UnsafeMutablePointer<addrinfo>?
            guard inet_pton(AF_INET, name, &parsed) == 1 || inet_pton(AF_INET6, name, &parsed) == 1,
                  getaddrinfo(name, String(port), &hints, &found) == 0 else {
                throw SocketError("invalid IP address '\(host)'", code: EINVAL)
            }
            defer { freeaddrinfo(found) }
            guard let info = found?.pointee, let socketAddress = info.ai_addr else {
                throw SocketError("invalid IP address '\(host)'", code: EINVAL)
            }
            let isIPv6 = info.ai_family == AF_INET6
            let fd = socket(info.ai_family, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw SocketError("socket") }
            var yes: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            try Self.bind(fd, to: socketAddress, length: info.ai_addrlen, describing: "\(host):\(port)")
            descriptor = fd
            unixPath = nil
            address = .tcp(host: host, port: Self.boundPort(fd, ipv6: isIPv6))
        }
        do {
            try SystemCall.run("listen") { listen(descriptor, backlog) }
            let flags = try SystemCall.run("fcntl") { fcntl(descriptor, F_GETFL) }
            try SystemCall.run("fcntl") { fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
            try SystemCall.run("fcntl") { fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        } catch {
            Glibc.close(descriptor)
            if let unixPath { unlink(unixPath) }
            throw error
        }
    }

    /// Binds `fd` to a socket address structure; closes `fd` when that fails.
    private static func bind<Address>(_ fd: Int32, to address: inout Address, describing name: String) throws(SocketError) {
        try withUnsafePointer(to: &address) { pointer throws(SocketError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress throws(SocketError) in
                try bind(fd, to: socketAddress, length: socklen_t(MemoryLayout<Address>.size), describing: name)
            }
        }
    }

    /// Binds `fd` to `length` bytes of socket address; closes `fd` when that fails.
    private static func bind(_ fd: Int32, to address: UnsafePointer<sockaddr>, length: socklen_t, describing name: String) throws(SocketError) {
        guard Glibc.bind(fd, address, length) == 0 else {
            let error = SocketError("bind \(name)")
            Glibc.close(fd)
            throw error
        }
    }

    private static func boundPort(_ fd: Int32, ipv6: Bool) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return withUnsafePointer(to: &storage) { pointer in
            ipv6
                ? pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
                : pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// The next pending connection, or nil when none is waiting.
    func accept() throws(SocketError) -> StreamSocket? {
        do {
            let fd = try SystemCall.run("accept") { Glibc.accept(descriptor, nil, nil) }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            return try StreamSocket(descriptor: fd)
        } catch where error.wouldBlock || error.code == ECONNABORTED {
            return nil
        }
    }

    func close() {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
        _ = Glibc.close(descriptor)
        if let unixPath { unlink(unixPath) }
    }
}
