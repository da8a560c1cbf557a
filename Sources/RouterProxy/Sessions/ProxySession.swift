import RouterCore
import RouterServer

/// One routed chat request's session: where it was looked up, what affinity decided, and what
/// to store once an upstream has answered (the tier that answered, so a failover moves the
/// session): the named session's key, and the key of the messages plus the answer, which the
/// conversation's next turn will look up (`SessionTranscript`).
struct ProxySession {
    /// `X-Session-Id` or the request's `user`; nil when the conversation is found by its messages.
    var named: SessionKey?
    var transcript: SessionTranscript
    var tier: Int
    var outcome: SessionOutcome

    /// After the answer: the session continues on `tier`.
    func pin(answeredBy tier: String, answer: SessionMessage?, in store: SessionStore) {
        if let named { store.pin(named, to: tier) }
        if let answer { store.pin(transcript.key(after: answer), to: tier) }
    }
}
