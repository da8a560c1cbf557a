import RouterCore
import RouterServer

/// A chat request's messages as session affinity reads them: which turn it is, the key under
/// which the proxy stored the conversation so far, and the key to store once the answer is known.
///
/// Linking without the client's help: after relaying turn N's answer, the proxy stores the
/// tier under the key of turn N's messages plus that answer. Turn N+1's earlier messages (all
/// but the trailing user or tool messages) are exactly those, so their key finds the session.
/// A key is the SHA-256 of `conversation` and a NUL, then each message's canonical form
/// (`SessionMessage.canonical`) serialized on a line of its own. A request whose earlier
/// messages hold no assistant message is a conversation's first turn: a new session, whatever
/// its system prompt.
struct SessionTranscript {
    let messages: [SessionMessage]

    /// The request's messages (JSONSerialization's objects); nil when one is not a message.
    init?(messages json: [Any]) {
        var messages: [SessionMessage] = []
        for item in json {
            guard let message = SessionMessage(json: item) else { return nil }
            messages.append(message)
        }
        self.messages = messages
    }

    init(_ messages: [SessionMessage]) {
        self.messages = messages
    }

    /// A tool result (`role: tool` last, or an assistant message calling tools last), else a user turn.
    var turn: SessionTurn {
        guard let last = messages.last else { return .user }
        return last.role == "tool" || (last.role == "assistant" && !last.toolCalls.isEmpty) ? .toolResult : .user
    }

    /// The messages before the newest user or tool messages: the conversation up to the last answer.
    var earlier: ArraySlice<SessionMessage> {
        let end = (messages.lastIndex { $0.role != "user" && $0.role != "tool" } ?? -1) + 1
        return messages[..<end]
    }

    /// The key the previous turn was stored under; nil for a conversation's first turn.
    var earlierKey: SessionKey? {
        let earlier = self.earlier
        guard earlier.contains(where: { $0.role == "assistant" }) else { return nil }
        return Self.key(of: earlier)
    }

    /// The key the next turn will look up: these messages and the answer to them.
    func key(after answer: SessionMessage) -> SessionKey {
        Self.key(of: messages + [answer])
    }

    static func key<Messages: Sequence>(of messages: Messages) -> SessionKey where Messages.Element == SessionMessage {
        var hash = SHA256()
        hash.update(Array("conversation\u{0}".utf8))
        for message in messages {
            hash.update(Array(message.canonical.serialized.utf8))
            hash.update([10])
        }
        return SessionKey(digestHex: hash.finalize())
    }
}
