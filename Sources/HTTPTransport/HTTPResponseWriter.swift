import Locking

/// How a handler answers one request, from a worker thread: either `send` a whole response, or
/// stream one — `beginStream` (status and headers), `write` body chunks as they are produced
/// (e.g. server-sent events relayed from an upstream), then `finish`. Bytes go to the event loop,
/// which writes them without blocking the worker. A streamed body is sent with chunked transfer
/// coding (HTTP/1.1) or delimited by closing the connection (HTTP/1.0).
public final class HTTPResponseWriter: Sendable {
    private enum State {
        case fresh
        case streaming(chunked: Bool, keepAlive: Bool)
        case finished
    }

    private let connectionID: UInt64
    private let descriptor: Int32
    private let version: String
    private let requestKeepAlive: Bool
    private let mailbox: ResponseMailbox
    private let state = Lock(State.fresh)

    init(connectionID: UInt64, descriptor: Int32, request: HTTPRequest, mailbox: ResponseMailbox) {
        self.connectionID = connectionID
        self.descriptor = descriptor
        self.version = request.version
        self.requestKeepAlive = request.keepAlive
        self.mailbox = mailbox
    }

    /// Sends a whole response. Ignored once a response has begun.
    public func send(_ response: HTTPResponse) {
        state.withLock { state in
            guard case .fresh = state else { return }
            let keepAlive = requestKeepAlive && !mailbox.isDraining
            post(response.serialized(keepAlive: keepAlive), final: true, keepAlive: keepAlive)
            state = .finished
        }
    }

    /// Starts a streamed response: the status line and headers go out now, the body follows in
    /// `write` calls. Ignored once a response has begun.
    public func beginStream(status: Int, contentType: String, headers: [(String, String)] = []) {
        state.withLock { state in
            guard case .fresh = state else { return }
            let chunked = version == "HTTP/1.1"
            let keepAlive = chunked && requestKeepAlive && !mailbox.isDraining
            var head = "HTTP/1.1 \(status) \(HTTPResponse.reason(status))\r\nContent-Type: \(contentType)\r\n"
            head += chunked ? "Transfer-Encoding: chunked\r\n" : ""
            head += "Connection: \(keepAlive ? "keep-alive" : "close")\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            post(Array((head + "\r\n").utf8), final: false, keepAlive: keepAlive)
            state = .streaming(chunked: chunked, keepAlive: keepAlive)
        }
    }

    /// Whether the client's connection was closed while this response was being produced (it
    /// hung up, or its socket failed): a streaming handler can stop its work.
    public var isClientGone: Bool { mailbox.isAbandoned(connectionID) }

    /// Sends one piece of a streamed body; false when no stream is open or the client is gone.
    @discardableResult
    public func write(_ chunk: [UInt8]) -> Bool {
        state.withLock { state in
            guard case .streaming(let chunked, let keepAlive) = state, !isClientGone else { return false }
            guard !chunk.isEmpty else { return true }
            post(chunked ? Self.chunk(chunk) : chunk, final: false, keepAlive: keepAlive)
            return true
        }
    }

    /// Ends a streamed response.
    public func finish() {
        state.withLock { state in
            guard case .streaming(let chunked, let keepAlive) = state else { return }
            post(chunked ? Array("0\r\n\r\n".utf8) : [], final: true, keepAlive: keepAlive)
            state = .finished
        }
    }

    /// After the handler returns: ends an open stream, or answers 500 if it wrote nothing, so
    /// the connection always gets its response.
    func finishIfNeeded() {
        finish()
        send(HTTPServerError.noResponse.response)
    }

    /// One chunk of chunked transfer coding: hex size, CRLF, data, CRLF.
    static func chunk(_ data: [UInt8]) -> [UInt8] {
        Array((String(data.count, radix: 16) + "\r\n").utf8) + data + [13, 10]
    }

    private func post(_ bytes: [UInt8], final: Bool, keepAlive: Bool) {
        mailbox.post(ResponseDelivery(connectionID: connectionID, descriptor: descriptor, bytes: bytes,
                                      isFinal: final, closeAfter: final && !keepAlive))
    }
}
