import Foundation
import Glibc
import Locking

/// An HTTP/1.1 server (keep-alive, pipelining answered in order) over `ListeningSocket`: an
/// epoll event loop (`HTTPEventLoop`) owns every connection, and a small `WorkerPool` runs the
/// `HTTPHandler` for each complete request. `shutdown` stops accepting, lets in-flight requests
/// be answered, and closes every connection.
public final class HTTPServer: Sendable {
    private enum Lifecycle {
        case created
        case running
        case stopping
    }

    public let limits: HTTPServerLimits
    /// The address actually bound (a real port when port 0 was asked for).
    public let address: ListenAddress
    private let loop: HTTPEventLoop
    private let workers: WorkerPool
    private let lifecycle = Lock(Lifecycle.created)

    /// Binds the address; serving starts with `start()`.
    public init(address: ListenAddress, handler: any HTTPHandler, limits: HTTPServerLimits = HTTPServerLimits()) throws(SocketError) {
        signal(SIGPIPE, SIG_IGN)
        let listener = try ListeningSocket(address)
        self.address = listener.address
        self.limits = limits
        workers = WorkerPool(threads: limits.workerThreads, name: "causal-router-worker")
        do {
            loop = try HTTPEventLoop(listener: listener, handler: handler, limits: limits, workers: workers)
        } catch {
            listener.close()
            workers.stop()
            throw error
        }
    }

    /// Starts the event loop thread.
    public func start() {
        let starts = lifecycle.withLock { state -> Bool in
            guard case .created = state else { return false }
            state = .running
            return true
        }
        guard starts else { return }
        let thread = Thread { [loop] in loop.run() }
        thread.name = "causal-router-event-loop"
        thread.start()
    }

    /// Connections open now.
    public var connectionCount: Int { loop.statistics.openConnections }

    /// The connection cap in force (`limits.maxConnections` bounded by the descriptor limit).
    public var maxConnections: Int { loop.maxConnections }

    public var statistics: HTTPServerStatistics { loop.statistics }

    /// Stops accepting, waits (up to `timeout`) for in-flight requests to be answered and
    /// connections to close, then closes what is left. Returns whether everything finished in time.
    @discardableResult
    public func shutdown(timeout: Duration = .seconds(30)) -> Bool {
        let previous = lifecycle.withLock { state -> Lifecycle in
            defer { state = .stopping }
            return state
        }
        switch previous {
        case .created:
            loop.closeListenerWithoutRunning()
            workers.stop()
            return true
        case .stopping:
            return loop.waitUntilFinished(timeout: timeout)
        case .running:
            loop.mailbox.beginDraining()
            let finished = loop.waitUntilFinished(timeout: timeout)
            if !finished {
                loop.abort()
                _ = loop.waitUntilFinished(timeout: .seconds(3600))
            }
            workers.stop()
            return finished
        }
    }
}
