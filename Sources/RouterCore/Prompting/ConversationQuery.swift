import LlamaKit

/// Turns an OpenAI-style conversation into the text the router scores.
///
/// Policy: the router judges the conversation's last user message in its context. System
/// messages are left out (they instruct the answering model, they are not the request). A lone
/// user message is scored as is. Otherwise the turns up to and including the last user message
/// become a transcript ("User: ...", "Assistant: ...", blank line between), and the oldest turns
/// are dropped first until it fits the query's token room; the last user message is always kept
/// (and, if it alone is too long, truncated like any query).
public enum ConversationQuery {
    /// One chat message (role and text).
    public typealias Message = LlamaChatMessage

    public static func text(of messages: [Message], room: Int, tokenizer: any Tokenizing) throws(RouterError) -> String {
        guard let lastUser = messages.lastIndex(where: { $0.role == "user" }) else {
            throw .invalidConversation("the messages have no user message")
        }
        let turns = messages[...lastUser].filter { $0.role != "system" }
        if turns.count == 1 { return turns[0].content }
        let lines = turns.map { "\(label(of: $0.role)): \($0.content)" }
        var first = 0
        var text = lines.joined(separator: "\n\n")
        while first < lines.count - 1, try tokenizer.tokens(of: text, parseSpecial: false).count > room {
            first += 1
            text = lines[first...].joined(separator: "\n\n")
        }
        return first == lines.count - 1 ? turns.last!.content : text
    }

    private static func label(of role: String) -> String {
        switch role {
        case "user": return "User"
        case "assistant": return "Assistant"
        default: return role.prefix(1).uppercased() + role.dropFirst()
        }
    }
}
