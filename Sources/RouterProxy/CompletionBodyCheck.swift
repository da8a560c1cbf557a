/// What the proxy makes of a `/v1/chat/completions` or `/v1/completions` body before it routes:
/// the body the router scores and the one an upstream gets, or the 400 refusal. The proxy's own
/// parsing, public for the fuzz targets (Fuzz/RequestBody).
public enum CompletionBodyCheck {
    public struct Refusal: Error, Equatable {
        public var message: String
    }

    /// `chat`: a chat-completions body, else a completions body; `upstreamModel` replaces `model`.
    public static func check(_ body: [UInt8], chat: Bool, upstreamModel: String = "upstream-model")
        throws(Refusal) -> (routing: [UInt8], upstream: [UInt8]) {
        let completion: ProxiedCompletion
        do {
            completion = try ProxiedCompletion(kind: chat ? .chat : .completion, body: body)
        } catch {
            guard case .invalidRequest(let message) = error else { throw Refusal(message: "\(error)") }
            throw Refusal(message: message)
        }
        return (completion.routingBody(original: body), completion.upstreamBody(model: upstreamModel))
    }
}
