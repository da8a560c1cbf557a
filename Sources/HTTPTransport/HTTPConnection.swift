/// One client connection's state, owned by the event loop thread: the socket, the incremental
/// parser, response bytes not yet written, and the clocks its deadlines run on.
final class HTTPConnection {
    let id: UInt64
    let socket: StreamSocket
    var parser: HTTPRequestParser
    /// Response bytes queued for the socket; `written` of them are sent.
    var output: [UInt8] = []
    var written = 0
    /// A request is with a worker (requests on a connection are answered one at a time, in order).
    var handling = false
    /// No further request is read: after a refusal, `Connection: close`, or shutdown. Input is
    /// discarded from then on.
    var closing = false
    /// The client has shut its side (EOF read).
    var inputClosed = false
    /// Set once the write side is shut and leftover input is being discarded.
    var lingerStartedAt: ContinuousClock.Instant?
    var lingerDiscarded = 0
    /// The epoll interest currently registered.
    var interest: EventPoller.Interest

    /// Last byte read or written.
    var lastActivity: ContinuousClock.Instant
    /// First byte of the request being received.
    var headStartedAt: ContinuousClock.Instant?
    /// End of the head of the request whose body is being received.
    var bodyStartedAt: ContinuousClock.Instant?

    init(id: UInt64, socket: StreamSocket, limits: HTTPServerLimits, now: ContinuousClock.Instant) {
        self.id = id
        self.socket = socket
        self.parser = HTTPRequestParser(maxHeaderBytes: limits.maxHeaderBytes, maxBodyBytes: limits.maxBodyBytes)
        self.lastActivity = now
        self.interest = .readable
    }

    var hasPendingOutput: Bool { written < output.count }

    var phase: ConnectionPhase {
        if lingerStartedAt != nil { return .lingering }
        if handling { return .handling }
        if hasPendingOutput { return .writing }
        if closing { return .lingering }
        if parser.isReceivingBody { return .receivingBody }
        if parser.hasPartialRequest { return .receivingHead }
        return .idle
    }

    /// When the current phase's clock started.
    var phaseStartedAt: ContinuousClock.Instant {
        switch phase {
        case .lingering: return lingerStartedAt ?? lastActivity
        case .receivingHead: return headStartedAt ?? lastActivity
        case .receivingBody: return bodyStartedAt ?? lastActivity
        case .idle, .writing, .handling: return lastActivity
        }
    }

    /// Starts or stops the head and body clocks to match what the parser holds.
    func updateRequestClocks(now: ContinuousClock.Instant) {
        if parser.isReceivingBody {
            if bodyStartedAt == nil { bodyStartedAt = now }
        } else {
            bodyStartedAt = nil
        }
        if parser.hasPartialRequest {
            if headStartedAt == nil { headStartedAt = now }
        } else {
            headStartedAt = nil
        }
    }

    /// The request clocks restart (a request was taken out, or its answer finished).
    func resetRequestClocks(now: ContinuousClock.Instant) {
        headStartedAt = nil
        bodyStartedAt = nil
        updateRequestClocks(now: now)
    }

    /// Queues bytes for the socket, compacting what is already written.
    func enqueue(_ bytes: [UInt8]) {
        if written > 0 && written == output.count {
            output.removeAll(keepingCapacity: true)
            written = 0
        } else if written > 65_536 && written * 2 > output.count {
            output.removeFirst(written)
            written = 0
        }
        output += bytes
    }
}
