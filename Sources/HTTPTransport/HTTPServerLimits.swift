/// The server's bounds on what a client may send, how long it may take, and how many
/// connections and handler threads it gets.
public struct HTTPServerLimits: Equatable, Sendable {
    public var maxHeaderBytes = 65_536
    /// Larger bodies get 413.
    public var maxBodyBytes = 1 << 20
    /// An idle keep-alive connection (or one whose client stopped reading a response) is closed
    /// after this long.
    public var idleTimeoutMs = 30_000
    /// A request's head (request line and headers) must arrive within this from its first byte
    /// (else 408 and the connection is closed): a slow-loris client is cut.
    public var headerTimeoutMs = 10_000
    /// A request's body must arrive within this from the end of its head (else 408).
    public var bodyTimeoutMs = 30_000
    /// After refusing a request, how long the server reads and discards what the client still
    /// sends before closing, so the client reads the error instead of a reset.
    public var lingerTimeoutMs = 2_000
    /// At most this much input is discarded while lingering.
    public var lingerMaxBytes = 16 << 20
    /// Connections open at once (further bounded by the file-descriptor limit). At the cap, the
    /// oldest connection with no request in flight is closed to admit a new one.
    public var maxConnections = 10_000
    /// Threads that run handlers; a complete request waits for a free one.
    public var workerThreads = 32

    public init() {}

    /// How long a connection may stay in `phase` (nil: no limit, a handler is answering).
    public func timeoutMs(for phase: ConnectionPhase) -> Int? {
        switch phase {
        case .idle, .writing: return idleTimeoutMs
        case .receivingHead: return headerTimeoutMs
        case .receivingBody: return bodyTimeoutMs
        case .handling: return nil
        case .lingering: return lingerTimeoutMs
        }
    }
}
