/// What the newest message of a conversation is, for session affinity: a user turn may move the
/// session up; a tool result (`role: tool`, or an assistant message with `tool_calls` last)
/// always goes to the tier that issued the call.
public enum SessionTurn: Equatable, Sendable {
    case user
    case toolResult
}
