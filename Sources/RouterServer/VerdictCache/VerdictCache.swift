import Locking
import RouterCore

/// The model's output for recently scored queries, so a repeated query (a retry, a template, a
/// popular question) is answered without decoding: `serve --verdict-cache N --verdict-cache-ttl S`.
///
/// What is kept is the scored distribution (`ScoredQuery`: the five probabilities, the head's
/// ood score and flag, truncation and prompt size), not the route: the route is recomputed on
/// every hit from the threshold and config in force, so a request's own `threshold` and a
/// SIGHUP reload apply to cached queries too. Scoring is batch-invariant and the model and
/// template are fixed for a server's life, so a distribution stays valid until its time to live
/// ends or the head is swapped (SIGHUP: `removeAll`). Fail-open verdicts and errors are never stored.
///
/// The key is the SHA-256 of the normalised query (`PromptBuilder.normalisedQuery`: the text
/// the engine scores; for chat messages the conversation query), so a long query costs no more
/// than a short one. Memory is bounded by the entry count (not by time), and an entry stays
/// small because `store` drops the features (hidden state, pooled blocks, logits) and keeps only
/// what a verdict reads (`ScoredQuery.verdictFields`); the size of an entry, measured, is in docs/measurements.md
/// (The verdict cache).
public final class VerdictCache: Sendable {
    private struct State {
        var entries: ExpiringLRU<String, ScoredQuery>
        var hits = 0
        var misses = 0
        /// Bumped by `removeAll`: a query queued before it must not store its distribution after.
        var generation = 0
    }

    /// The most entries held (0: nothing is stored or looked up).
    public let capacity: Int
    public let timeToLive: Duration
    private let clock: @Sendable () -> ContinuousClock.Instant
    private let state: Lock<State>

    /// `clock` tells the time (tests move it by hand).
    public init(capacity: Int, timeToLive: Duration,
                clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.capacity = max(0, capacity)
        self.timeToLive = timeToLive
        self.clock = clock
        self.state = Lock(State(entries: ExpiringLRU(capacity: max(0, capacity), timeToLive: timeToLive)))
    }

    public var isEnabled: Bool { capacity > 0 }

    /// The key of a query as the client sent it (normalised as the engine will score it).
    public static func key(query: String) -> String {
        SHA256.hex(Array(PromptBuilder.normalisedQuery(query).utf8))
    }

    /// The cached distribution for `key` (a hit), or nil (a miss); counted either way.
    public func scored(for key: String) -> ScoredQuery? {
        let now = clock()
        return state.withLock { state in
            let found = state.entries.value(for: key, now: now)
            if found == nil { state.misses += 1 } else { state.hits += 1 }
            return found
        }
    }

    /// Stores what the engine scored for `key`, without the features (hidden state, pooled
    /// blocks, logits) a verdict does not need; not when the cache was emptied since `generation`
    /// (the query was queued under a head that is gone); nil: store whatever the generation.
    public func store(_ scored: ScoredQuery, for key: String, generation: Int? = nil) {
        guard isEnabled else { return }
        let kept = scored.verdictFields
        let now = clock()
        state.withLock { state in
            guard generation == nil || state.generation == generation else { return }
            _ = state.entries.store(kept, for: key, now: now)
        }
    }

    /// The current generation, read when a query is queued and given back to `store`.
    public var generation: Int { state.withLock { $0.generation } }

    /// Drops every entry (a new head scores differently: SIGHUP's head swap).
    public func removeAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
        }
    }

    public var statistics: VerdictCacheStatistics {
        state.withLock { state in
            VerdictCacheStatistics(hits: state.hits, misses: state.misses, entries: state.entries.count, capacity: capacity)
        }
    }
}
