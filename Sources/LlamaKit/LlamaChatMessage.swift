/// One message of a conversation, as a chat template formats it.
public struct LlamaChatMessage: Equatable, Sendable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}
