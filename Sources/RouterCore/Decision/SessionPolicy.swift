/// Session affinity's rule, pure: given the tier a conversation is on (nil: no known session),
/// the kind of turn and the fresh verdict's tier, where the turn goes and why.
///
/// A conversation stays on its tier. A user turn moves it up only when its own strong win rate
/// is at least the session tier's bound plus `upgradeMargin` (the weak model never saw how the
/// strong one reasoned, but a clearly harder question is worth the switch); down only with
/// `allowDowngrade`, and then only when the rate is below the fresh tier's bound minus the
/// margin. A tool result always goes to the tier that issued the call. A verdict the win rate did
/// not choose (a fallback, an out-of-distribution route) keeps the session where it is.
public struct SessionPolicy: Equatable, Sendable {
    /// How far past a tier's bound a user turn's strong win rate must be to move the session.
    public var upgradeMargin: Double
    /// Whether a user turn may move a session to a smaller tier.
    public var allowDowngrade: Bool

    public static let defaultUpgradeMargin = 0.1

    public init(upgradeMargin: Double = defaultUpgradeMargin, allowDowngrade: Bool = false) {
        self.upgradeMargin = upgradeMargin
        self.allowDowngrade = allowDowngrade
    }

    /// The tier (index, smallest first) and the outcome for one turn. `bounds[i]`: the strong win
    /// rate from which tier i's queries go to a larger tier (nil for the largest), as
    /// `bounds(of:threshold:)` gives them. A session tier outside `bounds` (the tiers changed on
    /// a reload) counts as no session.
    public func decide(sessionTier: Int?, turn: SessionTurn, freshTier: Int, verdict: Verdict,
                       bounds: [Double?]) -> (tier: Int, outcome: SessionOutcome) {
        guard let session = sessionTier, bounds.indices.contains(session) else { return (freshTier, .new) }
        if turn == .toolResult { return (session, .tool) }
        guard verdict.rule == .threshold, let rate = verdict.strongWinRate, bounds.indices.contains(freshTier) else {
            return (session, .pinned)
        }
        if freshTier > session, let bound = bounds[session], rate >= bound + upgradeMargin {
            return (freshTier, .upgraded)
        }
        if allowDowngrade, freshTier < session, let bound = bounds[freshTier], rate < bound - upgradeMargin {
            return (freshTier, .downgraded)
        }
        return (session, .pinned)
    }

    /// Each tier's bound: two tiers `[weak, strong]` part at the threshold; tiers by win rate at
    /// their `max_strong_win_rate`.
    public static func bounds(of choice: TierChoice, threshold: Double) -> [Double?] {
        switch choice {
        case .byRoute: return [threshold, nil]
        case .byWinRate(let upperBounds): return upperBounds
        }
    }
}
