/// The server's bounds on what a client may send and how long it may take.
public struct HTTPServerLimits: Equatable, Sendable {
    public var maxHeaderBytes = 65_536
    /// Larger bodies get 413.
    public var maxBodyBytes = 1 << 20
    /// An idle keep-alive connection is closed after this long.
    public var idleTimeoutMs = 30_000
    /// A request that has started arriving must be complete within this (else 408).
    public var requestTimeoutMs = 10_000
    /// Connections served at once; more are answered 503 and closed.
    public var maxConnections = 512

    public init() {}
}
