/// Which connection to close when the server is at its connection cap and a new one arrives:
/// the lowest `ConnectionPhase.evictionRank`, then the one quiet the longest. Connections with a
/// request in flight are never chosen, so a real request is not dropped for an idle one.
public enum ConnectionEviction {
    public struct Candidate<ID>: Sendable where ID: Sendable {
        public var id: ID
        public var phase: ConnectionPhase
        public var lastActivity: ContinuousClock.Instant

        public init(id: ID, phase: ConnectionPhase, lastActivity: ContinuousClock.Instant) {
            self.id = id
            self.phase = phase
            self.lastActivity = lastActivity
        }
    }

    public static func victim<ID, Candidates: Sequence>(among candidates: Candidates) -> ID?
    where Candidates.Element == Candidate<ID> {
        var best: Candidate<ID>?
        var bestRank = Int.max
        for candidate in candidates {
            guard let rank = candidate.phase.evictionRank else { continue }
            if rank < bestRank || (rank == bestRank && candidate.lastActivity < best!.lastActivity) {
                best = candidate
                bestRank = rank
            }
        }
        return best?.id
    }
}
