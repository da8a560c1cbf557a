/// What session affinity did with a request of a known or new conversation (`X-Router-Session`
/// and the verdict's `"session"`): routed afresh (`new`), kept on the session's tier
/// (`pinned`), moved up because the new turn's own strong win rate passed the session tier's
/// bound by the margin (`upgraded`), moved down (`downgraded`, only with
/// `session_allow_downgrade`), or a tool-result turn sent to the tier that issued the call (`tool`).
public enum SessionOutcome: String, CaseIterable, Sendable {
    case new
    case pinned
    case upgraded
    case downgraded
    case tool
}
