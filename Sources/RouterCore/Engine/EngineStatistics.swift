import Locking

/// Counters of the batched engine, read by the metrics endpoint and benchmarks.
public final class EngineStatistics: Sendable {
    /// Upper bounds of the "queries per decode" histogram buckets.
    public static let batchBuckets = [1, 2, 4, 8, 16, 32, 64, 128]

    public struct Snapshot: Equatable, Sendable {
        /// Decode calls made (prefix decoding excluded).
        public var decodes = 0
        /// Tokens decoded in them.
        public var tokens = 0
        /// Queries scored.
        public var completed = 0
        /// Queries whose waiter gave up before they were scored.
        public var abandoned = 0
        /// Decode calls that carried more than one query.
        public var batchedDecodes = 0
        /// Cumulative counts per `batchBuckets` bound, and the total in the last element.
        public var queriesPerDecode = Array(repeating: 0, count: EngineStatistics.batchBuckets.count + 1)
        public var queriesPerDecodeSum = 0
        /// Seconds spent inside decode.
        public var decodeSeconds = 0.0

        public init() {}
    }

    private let state = Lock(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func recordDecode(queries: Int, tokens: Int, seconds: Double) {
        state.withLock { s in
            s.decodes += 1
            s.tokens += tokens
            s.decodeSeconds += seconds
            if queries > 1 { s.batchedDecodes += 1 }
            s.queriesPerDecodeSum += queries
            for (i, bound) in Self.batchBuckets.enumerated() where queries <= bound { s.queriesPerDecode[i] += 1 }
            s.queriesPerDecode[Self.batchBuckets.count] += 1
        }
    }

    func recordCompleted(_ count: Int) {
        state.withLock { $0.completed += count }
    }

    func recordAbandoned() {
        state.withLock { $0.abandoned += 1 }
    }
}
