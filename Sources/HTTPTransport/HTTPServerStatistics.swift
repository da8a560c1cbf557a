/// What the connection layer has done so far, for `/metrics` and the reliability notes.
public struct HTTPServerStatistics: Equatable, Sendable {
    /// Connections open now.
    public var openConnections = 0
    /// The connection cap in force (the configured one, bounded by the descriptor limit).
    public var maxConnections = 0
    public var acceptedConnections = 0
    /// Connections closed at the cap to admit a new one.
    public var evictedConnections = 0
    /// New connections answered 503 because every open one had a request in flight.
    public var refusedConnections = 0
    /// Requests cut by the header or body deadline (408).
    public var timedOutRequests = 0

    public init() {}
}
