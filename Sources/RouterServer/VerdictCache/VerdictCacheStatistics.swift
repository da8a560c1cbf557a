/// The verdict cache's figures for `/metrics` and `/v1/config`.
public struct VerdictCacheStatistics: Equatable, Sendable {
    /// Lookups that found an unexpired distribution (the query was not decoded).
    public var hits = 0
    /// Lookups that found none (the query went to the engine).
    public var misses = 0
    /// Distributions held now.
    public var entries = 0
    /// The most entries held (0: the cache is off).
    public var capacity = 0

    public init(hits: Int = 0, misses: Int = 0, entries: Int = 0, capacity: Int = 0) {
        self.hits = hits
        self.misses = misses
        self.entries = entries
        self.capacity = capacity
    }
}
