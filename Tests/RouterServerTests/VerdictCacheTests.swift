import RouterCore
import Testing
@testable import RouterServer

/// The verdict cache's LRU and time-to-live logic, with a hand-moved clock (no model, no sleeps).
@Suite struct VerdictCacheTests {
    static func scored(_ probabilities: [Double], ood: Double? = nil) -> ScoredQuery {
        var scored = ScoredQuery(distribution: LabelDistribution(probabilities: probabilities), truncated: false, promptTokens: 42,
                                 hiddenState: Array(repeating: 0.5, count: 576), labelLogits: [1, 2, 3, 4, 5],
                                 pooledStates: Array(repeating: 0.25, count: 1152), promptStatistics: [1, 2])
        scored.head = "mixture"
        scored.oodScore = ood
        scored.outOfDistribution = (ood ?? 0) > 0.9
        return scored
    }

    @Test func leastRecentlyUsedEntryIsEvictedAndALookupRefreshesRecency() {
        let clock = ManualClock()
        var lru = ExpiringLRU<String, Int>(capacity: 3, timeToLive: .seconds(60))
        lru.store(1, for: "a", now: clock.now)
        lru.store(2, for: "b", now: clock.now)
        lru.store(3, for: "c", now: clock.now)
        #expect(lru.keysByRecency == ["c", "b", "a"])
        #expect(lru.value(for: "a", now: clock.now) == 1)
        #expect(lru.keysByRecency == ["a", "c", "b"])
        #expect(lru.store(4, for: "d", now: clock.now) == 1, "full: one entry evicted")
        #expect(lru.value(for: "b", now: clock.now) == nil, "b was the least recently used")
        #expect(lru.keysByRecency == ["d", "a", "c"] && lru.count == 3)
        lru.store(30, for: "c", now: clock.now)
        #expect(lru.value(for: "c", now: clock.now) == 30 && lru.count == 3, "storing a held key replaces it, evicting nothing")
        lru.removeAll()
        #expect(lru.count == 0 && lru.keysByRecency.isEmpty && lru.value(for: "d", now: clock.now) == nil)
    }

    @Test func anEntryExpiresItsTimeToLiveAfterItWasStoredNotAfterItsLastUse() {
        let clock = ManualClock()
        var lru = ExpiringLRU<String, Int>(capacity: 10, timeToLive: .seconds(10))
        lru.store(1, for: "a", now: clock.now)
        clock.advance(by: .seconds(6))
        #expect(lru.value(for: "a", now: clock.now) == 1)
        clock.advance(by: .milliseconds(3_999))
        #expect(lru.value(for: "a", now: clock.now) == 1, "1 ms before its time to live ends")
        clock.advance(by: .milliseconds(1))
        #expect(lru.value(for: "a", now: clock.now) == nil, "at 10 s it has expired, though used at 6 s")
        #expect(lru.count == 0, "an expired entry is dropped when looked up")
        lru.store(2, for: "a", now: clock.now)
        clock.advance(by: .seconds(9))
        #expect(lru.value(for: "a", now: clock.now) == 2, "storing again restarts the time to live")
    }

    @Test func expiredEntriesAtTheOldEndMakeRoomBeforeAnyLiveOneIsEvicted() {
        let clock = ManualClock()
        var lru = ExpiringLRU<String, Int>(capacity: 3, timeToLive: .seconds(10))
        lru.store(1, for: "old-1", now: clock.now)
        lru.store(2, for: "old-2", now: clock.now)
        clock.advance(by: .seconds(8))
        lru.store(3, for: "fresh", now: clock.now)
        clock.advance(by: .seconds(5))
        #expect(lru.store(4, for: "new", now: clock.now) == 2, "both expired entries dropped")
        #expect(lru.keysByRecency == ["new", "fresh"])
    }

    @Test func capacityZeroHoldsNothing() {
        let clock = ManualClock()
        var lru = ExpiringLRU<String, Int>(capacity: 0, timeToLive: .seconds(10))
        lru.store(1, for: "a", now: clock.now)
        #expect(lru.count == 0 && lru.value(for: "a", now: clock.now) == nil)

        let cache = VerdictCache(capacity: 0, timeToLive: .seconds(10), clock: { clock.now })
        #expect(!cache.isEnabled)
        cache.store(Self.scored([0.2, 0.2, 0.2, 0.2, 0.2]), for: "k")
        #expect(cache.statistics == VerdictCacheStatistics(hits: 0, misses: 0, entries: 0, capacity: 0))
    }

    /// Random stores, lookups and clock moves against a plain reference (an array ordered by
    /// recency, searched linearly): the linked slots must agree with it after every step.
    @Test func randomOperationsAgreeWithAReferenceModel() {
        let clock = ManualClock()
        let capacity = 8
        let ttl = Duration.seconds(20)
        var lru = ExpiringLRU<Int, Int>(capacity: capacity, timeToLive: ttl)
        var reference: [(key: Int, value: Int, expires: ContinuousClock.Instant)] = []  // newest first
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var hits = 0
        for step in 0..<20_000 {
            let key = next(14)
            switch next(10) {
            case 0..<4:
                let value = step
                if let i = reference.firstIndex(where: { $0.key == key }) {
                    reference.remove(at: i)
                } else {
                    while let last = reference.last, last.expires <= clock.now || reference.count >= capacity { reference.removeLast() }
                }
                reference.insert((key, value, clock.now + ttl), at: 0)
                lru.store(value, for: key, now: clock.now)
            case 4..<9:
                var expected: Int?
                if let i = reference.firstIndex(where: { $0.key == key }) {
                    let entry = reference.remove(at: i)
                    if clock.now < entry.expires {
                        expected = entry.value
                        reference.insert(entry, at: 0)
                    }
                }
                let found = lru.value(for: key, now: clock.now)
                if found != nil { hits += 1 }
                #expect(found == expected, "step \(step): key \(key)")
            default:
                clock.advance(by: .seconds(next(4)))
            }
            if lru.keysByRecency != reference.map(\.key) {
                Issue.record("step \(step): order \(lru.keysByRecency) != \(reference.map(\.key))")
                return
            }
        }
        #expect(hits > 1000, "the mix exercised hits (\(hits))")
    }

    @Test func theCacheCountsHitsAndMissesAndStoresOnlyWhatAVerdictReads() throws {
        let clock = ManualClock()
        let cache = VerdictCache(capacity: 2, timeToLive: .seconds(600), clock: { clock.now })
        let key = VerdictCache.key(query: "What is 2+2?")
        #expect(cache.scored(for: key) == nil)
        let original = Self.scored([0.1, 0.2, 0.3, 0.25, 0.15], ood: 0.95)
        cache.store(original, for: key)
        let cached = try #require(cache.scored(for: key))
        #expect(cached.hiddenState == nil && cached.pooledStates == nil && cached.labelLogits == nil && cached.promptStatistics == nil,
                "the features are not kept")
        #expect(cached.distribution.probabilities == original.distribution.probabilities)
        let config = try RoutingConfig(threshold: 0.5)
        let asScored = config.verdict(for: original, template: "rating", latencyMs: 1)
        #expect(config.verdict(for: cached, template: "rating", latencyMs: 1) == asScored,
                "a cached entry makes the same verdict, ood included")
        #expect(cache.statistics == VerdictCacheStatistics(hits: 1, misses: 1, entries: 1, capacity: 2))
        clock.advance(by: .seconds(600))
        #expect(cache.scored(for: key) == nil, "expired")
        #expect(cache.statistics == VerdictCacheStatistics(hits: 1, misses: 2, entries: 0, capacity: 2))
    }

    @Test func theKeyIsTheNormalisedQueryTheEngineScores() {
        let key = VerdictCache.key(query: "What is 2+2?")
        #expect(key == VerdictCache.key(query: "  What is 2+2?\n\n"), "surrounding whitespace is not scored")
        #expect(key == SHA256.hex(Array("What is 2+2?".utf8)))
        #expect(key == VerdictCache.key(query: "What is 2+2?\nWhat is 2+2?"), "a query typed twice is scored once (RepeatedQuery)")
        #expect(key != VerdictCache.key(query: "what is 2+2?"), "case is scored")
        #expect(key != VerdictCache.key(query: "What is  2+2?"), "inner whitespace is scored")
        #expect(key.count == 64)
    }
}
