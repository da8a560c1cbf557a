import Dispatch
import Foundation
import Glibc
import Synchronization

/// An HTTP/1.1 server over `ListeningSocket`: one accept thread, one thread per connection
/// (blocking reads with timeouts, keep-alive, pipelining), requests answered by an `HTTPHandler`.
/// `shutdown` stops accepting, lets in-flight requests finish, and closes every connection.
public final class HTTPServer: Sendable {
    private struct State {
        var started = false
        var draining = false
        var connections = 0
        var activeRequests = 0
    }

    public let limits: HTTPServerLimits
    /// The address actually bound (a real port when port 0 was asked for).
    public let address: ListenAddress
    private let listener: ListeningSocket
    private let handler: any HTTPHandler
    private let state = Mutex(State())
    private let acceptLoopDone = DispatchSemaphore(value: 0)

    /// Binds the address; serving starts with `start()`.
    public init(address: ListenAddress, handler: any HTTPHandler, limits: HTTPServerLimits = HTTPServerLimits()) throws(SocketError) {
        signal(SIGPIPE, SIG_IGN)
        self.listener = try ListeningSocket(address)
        self.address = listener.address
        self.handler = handler
        self.limits = limits
    }

    /// Starts the accept thread.
    public func start() {
        guard state.withLock({ s -> Bool in
            defer { s.started = true }
            return !s.started
        }) else { return }
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "causal-router-accept"
        thread.start()
    }

    /// Connections open now.
    public var connectionCount: Int { state.withLock { $0.connections } }

    /// Stops accepting, waits (up to `timeout`) for in-flight requests to be answered and
    /// connections to close. Returns whether everything finished in time.
    @discardableResult
    public func shutdown(timeout: Duration = .seconds(30)) -> Bool {
        let (first, started) = state.withLock { s -> (Bool, Bool) in
            defer { s.draining = true }
            return (!s.draining, s.started)
        }
        if first {
            if started { acceptLoopDone.wait() }
            listener.close()
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.connections == 0 }) { return true }
            usleep(10_000)
        }
        return false
    }

    private var isDraining: Bool { state.withLock { $0.draining } }

    private func acceptLoop() {
        while !isDraining {
            guard let socket = listener.accept(timeoutMs: 100) else { continue }
            let admitted = state.withLock { s -> Bool in
                guard s.connections < limits.maxConnections else { return false }
                s.connections += 1
                return true
            }
            guard admitted else {
                socket.write(HTTPResponse.error(503, "too many connections", type: "overloaded").serialized(keepAlive: false))
                socket.close()
                continue
            }
            let box = SocketBox(socket)
            let thread = Thread { [self] in
                serve(box.socket)
                state.withLock { $0.connections -= 1 }
            }
            thread.name = "causal-router-connection"
            thread.start()
        }
        acceptLoopDone.signal()
    }

    /// Hands a socket to its connection thread.
    private final class SocketBox: @unchecked Sendable {
        let socket: StreamSocket
        init(_ socket: StreamSocket) { self.socket = socket }
    }

    private func serve(_ socket: StreamSocket) {
        defer { socket.close() }
        var parser = HTTPRequestParser(maxHeaderBytes: limits.maxHeaderBytes, maxBodyBytes: limits.maxBodyBytes)
        var lastActivity = ContinuousClock.now
        while true {
            do {
                while let request = try parser.next() {
                    state.withLock { $0.activeRequests += 1 }
                    let response = handler.handle(request)
                    let keepAlive = request.keepAlive && !isDraining
                    let written = socket.write(response.serialized(keepAlive: keepAlive))
                    state.withLock { $0.activeRequests -= 1 }
                    guard written, keepAlive else { return }
                    lastActivity = ContinuousClock.now
                }
            } catch {
                socket.write(HTTPResponse.error(error.status, error.message, type: "invalid_request_error").serialized(keepAlive: false))
                return
            }
            if isDraining && !parser.hasPartialRequest { return }
            switch socket.read(timeoutMs: 100) {
            case .data(let bytes):
                parser.append(bytes)
                lastActivity = ContinuousClock.now
            case .closed:
                return
            case .timedOut:
                let partial = parser.hasPartialRequest
                let limit = partial ? limits.requestTimeoutMs : limits.idleTimeoutMs
                if ContinuousClock.now - lastActivity >= .milliseconds(limit) {
                    if partial {
                        socket.write(HTTPResponse.error(408, "request not received in time", type: "timeout").serialized(keepAlive: false))
                    }
                    return
                }
            }
        }
    }
}
