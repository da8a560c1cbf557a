import RouterCore

/// The session store's figures for `/metrics`.
public struct SessionStatistics: Sendable {
    /// Routing decisions by outcome (every `SessionOutcome`, zero included).
    public var decisions: [SessionOutcome: Int]
    public var entries: Int
    public var capacity: Int
    /// Bytes the store's own storage takes (`ExpiringLRU.storageBytes`).
    public var bytes: Int
}
