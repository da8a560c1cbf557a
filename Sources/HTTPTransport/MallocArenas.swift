import CEpoll

/// glibc's malloc arenas for the whole process. By default each thread that meets contention
/// gets an arena of its own, up to eight per core, and each keeps the memory it once held: peak
/// RSS for allocations (requests, JSON) that are not the server's bottleneck (how much:
/// docs/measurements.md).
public enum MallocArenas {
    /// Caps the arenas at `count` (before the worker threads start). False if glibc refused.
    @discardableResult
    public static func limit(to count: Int32) -> Bool {
        mallopt(M_ARENA_MAX, count) == 1
    }
}
