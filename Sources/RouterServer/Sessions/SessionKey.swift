import RouterCore

/// What a session is found by: the SHA-256 of its name (`X-Session-Id`, the request's `user`,
/// `/v1/route`'s `session_id`) or of a conversation's canonical messages (RouterProxy's
/// `SessionTranscript`), kept as its 32 bytes. No text of the conversation is kept, only this digest.
public struct SessionKey: Hashable, Sendable {
    private let words: (UInt64, UInt64, UInt64, UInt64)

    /// The key of a 64-digit hex SHA-256 digest (`SHA256.finalize()`).
    public init(digestHex hex: String) {
        let bytes = Array(hex.utf8)
        precondition(bytes.count == 64, "a SHA-256 digest is 64 hex digits")
        func word(_ index: Int) -> UInt64 { UInt64(String(decoding: bytes[index * 16..<(index + 1) * 16], as: UTF8.self), radix: 16)! }
        words = (word(0), word(1), word(2), word(3))
    }

    /// The key of a session named by the client. The name is hashed apart from conversations
    /// (a prefix no canonical transcript starts with), so a name cannot collide with one.
    public static func named(_ name: String) -> SessionKey {
        SessionKey(digestHex: SHA256.hex(Array("session-id\u{0}\(name)".utf8)))
    }

    public static func == (a: SessionKey, b: SessionKey) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }
}
