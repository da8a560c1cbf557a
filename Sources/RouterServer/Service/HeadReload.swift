import RouterCore

/// What re-reading the head file (SIGHUP) did; stderr says it in one line, /metrics counts it.
public enum HeadReload: Sendable {
    /// The file's head is in force now (queries queued from now on).
    case swapped(name: String, sha256: String, path: String)
    /// The file is the head in force (same SHA-256), or no head is in use (zero-shot).
    case unchanged
    /// The file could not be used; the head in force stays.
    case refused(String)

    /// The `result` label of `causal_router_head_reloads_total`.
    public var metricLabel: String {
        switch self {
        case .swapped: "swapped"
        case .unchanged: "unchanged"
        case .refused: "refused"
        }
    }
}
