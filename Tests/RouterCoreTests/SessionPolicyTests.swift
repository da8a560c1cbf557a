import Foundation
import RouterCore
import Testing

/// Session affinity's rule without a model: which tier a turn goes to and why.
@Suite struct SessionPolicyTests {
    /// A verdict scored at `rate` (P1+P2+P3) against `threshold`, routed by the threshold.
    static func verdict(rate: Double, threshold: Double = 0.5, rule: RouteRule = .threshold) -> Verdict {
        let scored = ScoredQuery(distribution: LabelDistribution(probabilities: [rate, 0, 0, 1 - rate, 0]), truncated: false,
                                 promptTokens: 10, hiddenState: [], labelLogits: [], pooledStates: [], promptStatistics: [])
        let route: Route = rate >= threshold ? .strong : .weak
        return Verdict(model: route.rawValue, route: route, rule: rule, scored: scored, cached: false, threshold: threshold,
                       template: "rating", head: nil, latencyMs: 1)
    }

    let twoTiers = SessionPolicy.bounds(of: .byRoute, threshold: 0.5)

    @Test func aTurnWithoutASessionIsRoutedAfresh() {
        let policy = SessionPolicy()
        let decision = policy.decide(sessionTier: nil, turn: .user, freshTier: 1, verdict: Self.verdict(rate: 0.7), bounds: twoTiers)
        #expect(decision.tier == 1 && decision.outcome == .new)
        let tool = policy.decide(sessionTier: nil, turn: .toolResult, freshTier: 0, verdict: Self.verdict(rate: 0.2), bounds: twoTiers)
        #expect(tool.tier == 0 && tool.outcome == .new, "a tool result of an unknown session is routed afresh")
    }

    @Test func aStrongSessionStaysStrongOnATrivialTurn() {
        let decision = SessionPolicy().decide(sessionTier: 1, turn: .user, freshTier: 0, verdict: Self.verdict(rate: 0.05),
                                              bounds: twoTiers)
        #expect(decision.tier == 1 && decision.outcome == .pinned)
    }

    @Test func aWeakSessionMovesUpOnlyPastTheThresholdByTheMargin() {
        let policy = SessionPolicy(upgradeMargin: 0.1)
        let below = policy.decide(sessionTier: 0, turn: .user, freshTier: 1, verdict: Self.verdict(rate: 0.59), bounds: twoTiers)
        #expect(below.tier == 0 && below.outcome == .pinned, "strong by the threshold, but not by the margin")
        let at = policy.decide(sessionTier: 0, turn: .user, freshTier: 1, verdict: Self.verdict(rate: 0.6), bounds: twoTiers)
        #expect(at.tier == 1 && at.outcome == .upgraded)
        let zero = SessionPolicy(upgradeMargin: 0).decide(sessionTier: 0, turn: .user, freshTier: 1, verdict: Self.verdict(rate: 0.5),
                                                          bounds: twoTiers)
        #expect(zero.outcome == .upgraded, "margin 0: the threshold itself")
    }

    @Test func downgradesOnlyWhenAllowedAndPastTheMargin() {
        let pinned = SessionPolicy().decide(sessionTier: 1, turn: .user, freshTier: 0, verdict: Self.verdict(rate: 0.01), bounds: twoTiers)
        #expect(pinned.tier == 1 && pinned.outcome == .pinned)
        let allowed = SessionPolicy(upgradeMargin: 0.1, allowDowngrade: true)
        let near = allowed.decide(sessionTier: 1, turn: .user, freshTier: 0, verdict: Self.verdict(rate: 0.45), bounds: twoTiers)
        #expect(near.tier == 1 && near.outcome == .pinned)
        let far = allowed.decide(sessionTier: 1, turn: .user, freshTier: 0, verdict: Self.verdict(rate: 0.3), bounds: twoTiers)
        #expect(far.tier == 0 && far.outcome == .downgraded)
    }

    @Test func aToolResultGoesToTheTierThatIssuedTheCall() {
        let policy = SessionPolicy(upgradeMargin: 0, allowDowngrade: true)
        let up = policy.decide(sessionTier: 0, turn: .toolResult, freshTier: 1, verdict: Self.verdict(rate: 0.99), bounds: twoTiers)
        #expect(up.tier == 0 && up.outcome == .tool)
        let down = policy.decide(sessionTier: 1, turn: .toolResult, freshTier: 0, verdict: Self.verdict(rate: 0.0), bounds: twoTiers)
        #expect(down.tier == 1 && down.outcome == .tool)
    }

    @Test func aVerdictTheWinRateDidNotChooseKeepsTheSession() {
        let policy = SessionPolicy(upgradeMargin: 0)
        let fallback = Verdict(model: "s", route: .strong, rule: .fallback(.timeout), scored: nil, cached: false, threshold: 0.5,
                               template: "rating", head: nil, latencyMs: 1)
        #expect(policy.decide(sessionTier: 0, turn: .user, freshTier: 1, verdict: fallback, bounds: twoTiers) == (0, .pinned))
        let ood = Self.verdict(rate: 0.99, rule: .outOfDistribution)
        #expect(policy.decide(sessionTier: 0, turn: .user, freshTier: 1, verdict: ood, bounds: twoTiers) == (0, .pinned))
    }

    @Test func tiersByWinRateMoveUpPastTheSessionTiersBound() {
        let bounds = SessionPolicy.bounds(of: .byWinRate(upperBounds: [0.3, 0.7, nil]), threshold: 0.5)
        #expect(bounds == [0.3, 0.7, nil])
        let policy = SessionPolicy(upgradeMargin: 0.1)
        #expect(policy.decide(sessionTier: 0, turn: .user, freshTier: 1, verdict: Self.verdict(rate: 0.35), bounds: bounds) == (0, .pinned))
        #expect(policy.decide(sessionTier: 0, turn: .user, freshTier: 1, verdict: Self.verdict(rate: 0.45), bounds: bounds) == (1, .upgraded))
        #expect(policy.decide(sessionTier: 1, turn: .user, freshTier: 2, verdict: Self.verdict(rate: 0.9), bounds: bounds) == (2, .upgraded))
        #expect(policy.decide(sessionTier: 5, turn: .user, freshTier: 2, verdict: Self.verdict(rate: 0.9), bounds: bounds) == (2, .new),
                "a session on a tier that no longer exists is routed afresh")
    }

    @Test func theConfigReadsTheSessionKeysAndRefusesBadValues() throws {
        let config = try RoutingConfig.parse(Data(#"{"session_upgrade_margin": 0.25, "session_allow_downgrade": true}"#.utf8), path: "t")
        #expect(config.sessionPolicy == SessionPolicy(upgradeMargin: 0.25, allowDowngrade: true))
        #expect(try RoutingConfig.parse(Data("{}".utf8), path: "t").sessionPolicy == SessionPolicy(upgradeMargin: 0.1, allowDowngrade: false))
        for (body, reason) in [(#"{"session_upgrade_margin": 1.5}"#, "between 0 and 1"),
                               (#"{"session_upgrade_margin": "big"}"#, "a number between 0 and 1"),
                               (#"{"session_allow_downgrade": "yes"}"#, "true or false")] {
            #expect {
                try RoutingConfig.parse(Data(body.utf8), path: "t")
            } throws: { error in
                "\(error)".contains(reason)
            }
        }
    }

    @Test func theVerdictJSONCarriesTheSessionOnlyWhenThereIsOne() {
        var verdict = Self.verdict(rate: 0.7)
        #expect(verdict.json.serialized.contains("session") == false)
        verdict.session = .upgraded
        verdict.sessionTier = "strong"
        #expect(verdict.json.serialized.hasSuffix(#""session":"upgraded","session_tier":"strong"}"#))
    }
}
