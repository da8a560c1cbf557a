import RouterCore
import Testing
@testable import RouterServer

/// The session store's LRU, time to live and size, with a hand-moved clock (no model, no sleeps).
@Suite struct SessionStoreTests {
    @Test func aSessionIsForgottenItsTimeToLiveAfterItsLastTurn() {
        let clock = ManualClock()
        let store = SessionStore(capacity: 10, timeToLive: .seconds(60), clock: { clock.now })
        let key = SessionKey.named("conversation-1")
        store.pin(key, to: "strong")
        clock.advance(by: .seconds(50))
        #expect(store.tier(for: key) == "strong")
        store.pin(key, to: "strong")   // the next turn stores it again
        clock.advance(by: .seconds(50))
        #expect(store.tier(for: key) == "strong", "100 s after the first turn, 50 s after the last")
        clock.advance(by: .seconds(11))
        #expect(store.tier(for: key) == nil)
    }

    @Test func theLeastRecentlyUsedSessionGoesWhenFull() {
        let clock = ManualClock()
        let store = SessionStore(capacity: 2, timeToLive: .seconds(60), clock: { clock.now })
        let (a, b, c) = (SessionKey.named("a"), SessionKey.named("b"), SessionKey.named("c"))
        store.pin(a, to: "weak")
        store.pin(b, to: "strong")
        #expect(store.tier(for: a) == "weak")
        store.pin(c, to: "strong")
        #expect(store.tier(for: b) == nil && store.tier(for: a) == "weak" && store.tier(for: c) == "strong")
        #expect(store.statistics.entries == 2 && store.statistics.capacity == 2)
    }

    @Test func zeroCapacityTurnsAffinityOff() {
        let store = SessionStore(capacity: 0, timeToLive: .seconds(60))
        store.pin(.named("a"), to: "strong")
        #expect(!store.isEnabled && store.tier(for: .named("a")) == nil && store.statistics.entries == 0)
    }

    @Test func namesAndDigestsMakeDistinctKeys() {
        #expect(SessionKey.named("a") == SessionKey.named("a"))
        #expect(SessionKey.named("a") != SessionKey.named("b"))
        let digest = SHA256.hex(Array("session-id\u{0}a".utf8))
        #expect(SessionKey(digestHex: digest) == SessionKey.named("a"))
    }

    /// The documented bound (README, docs/sessions.md): 10,000 sessions take at most
    /// `bytesPerSessionBound` bytes each of the store's own storage, at every size on the way.
    @Test func tenThousandSessionsStayWithinTheDocumentedBytes() {
        let store = SessionStore(capacity: 10_000, timeToLive: .seconds(600))
        var worst = 0.0
        for index in 0..<10_000 {
            store.pin(.named("session-\(index)"), to: index % 2 == 0 ? "strong" : "weak")
            if index >= 999 && index % 500 == 499 {
                let statistics = store.statistics
                worst = max(worst, Double(statistics.bytes) / Double(statistics.entries))
            }
        }
        let statistics = store.statistics
        #expect(statistics.entries == 10_000)
        #expect(statistics.bytes <= 10_000 * SessionStore.bytesPerSessionBound, "\(statistics.bytes) bytes")
        #expect(worst <= Double(SessionStore.bytesPerSessionBound), "\(worst) bytes a session at worst")
        print("sessions: \(statistics.entries), store bytes: \(statistics.bytes), per session: \(statistics.bytes / statistics.entries), worst on the way: \(Int(worst))")
        store.pin(.named("one more"), to: "weak")
        #expect(store.statistics.entries == 10_000, "full: the least recently used went")
    }

    @Test func decisionsAreCountedForMetrics() {
        let store = SessionStore(capacity: 4, timeToLive: .seconds(60))
        store.record(.new)
        store.record(.pinned)
        store.record(.pinned)
        let text = store.metricsText
        #expect(text.contains(#"causal_router_session_decisions_total{decision="pinned"} 2"#))
        #expect(text.contains(#"causal_router_session_decisions_total{decision="tool"} 0"#))
        #expect(text.contains("causal_router_sessions_capacity 4"))
    }
}
