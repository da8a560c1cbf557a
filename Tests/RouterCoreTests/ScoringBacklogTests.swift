import Testing
@testable import RouterCore

/// The engine's admission estimate, as pure bookkeeping.
struct ScoringBacklogTests {
    @Test func anUnmeasuredEngineAdmitsEverything() {
        var backlog = ScoringBacklog()
        backlog.added(tokens: 10_000)
        #expect(backlog.estimatedSeconds(forNew: 100) == nil)
        #expect(backlog.admits(tokens: 100, within: 0))
    }

    @Test func theEstimateIsTheWorkAheadAtTheMeasuredRate() {
        var backlog = ScoringBacklog()
        backlog.observed(tokens: 100, seconds: 0.5)
        #expect(backlog.estimatedSeconds(forNew: 100) == 0.5)
        backlog.added(tokens: 300)
        #expect(backlog.estimatedSeconds(forNew: 100) == 2.0)
        #expect(backlog.admits(tokens: 100, within: 2.0))
        #expect(!backlog.admits(tokens: 100, within: 1.99))
        backlog.removed(tokens: 300)
        #expect(backlog.estimatedSeconds(forNew: 100) == 0.5)
    }

    @Test func theRateIsSmoothedAndIgnoresEmptyOrBrokenDecodes() {
        var backlog = ScoringBacklog()
        backlog.observed(tokens: 10, seconds: 1)
        backlog.observed(tokens: 10, seconds: 2)
        #expect(abs((backlog.secondsPerToken ?? 0) - 0.11) < 1e-12)
        backlog.observed(tokens: 0, seconds: 5)
        backlog.observed(tokens: 10, seconds: .nan)
        backlog.observed(tokens: 10, seconds: -1)
        #expect(abs((backlog.secondsPerToken ?? 0) - 0.11) < 1e-12)
    }

    @Test func removingMoreThanWasAddedNeverGoesNegative() {
        var backlog = ScoringBacklog()
        backlog.added(tokens: 5)
        backlog.removed(tokens: 50)
        #expect(backlog.pendingTokens == 0)
    }
}
