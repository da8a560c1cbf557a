import Foundation
import RouterCore

/// The body of `POST /v1/route`: `{"query": "..."}` or `{"messages": [OpenAI chat messages]}`,
/// with optional `"threshold"` (0...1), `"timeout_ms"` and `"session_id"` (session affinity). Other keys (an OpenAI request's
/// `model`, `temperature`, ...) are ignored, so an application can send its chat request as is.
struct RouteRequestBody: Decodable {
    var query: String?
    var messages: [ChatMessageBody]?
    var threshold: Double?
    var timeoutMs: Double?
    /// The session this query belongs to (the `X-Session-Id` header wins over it).
    var sessionId: String?

    enum CodingKeys: String, CodingKey {
        case query, messages, threshold
        case timeoutMs = "timeout_ms"
        case sessionId = "session_id"
    }

    /// One chat message; `content` is a string or a list of parts whose text parts are joined.
    struct ChatMessageBody: Decodable {
        var role: String
        var content: String
        /// An assistant message that calls tools (its `tool_calls` is a non-empty list).
        var callsTools = false

        enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
        }

        /// Only whether there are calls is read; their shape is the upstream's business.
        private struct AnyCall: Decodable {}

        struct Part: Decodable {
            var type: String?
            var text: String?
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decode(String.self, forKey: .role)
            if let text = try? container.decode(String.self, forKey: .content) {
                content = text
            } else if let parts = try? container.decode([Part].self, forKey: .content) {
                content = parts.compactMap { $0.type == nil || $0.type == "text" ? $0.text : nil }.joined(separator: "\n")
            } else if try container.decodeNil(forKey: .content) {
                content = ""
            } else {
                throw DecodingError.typeMismatch(String.self, .init(codingPath: container.codingPath + [CodingKeys.content],
                                                                    debugDescription: "content must be a string or a list of text parts"))
            }
            callsTools = !((try? container.decodeIfPresent([AnyCall].self, forKey: .toolCalls)) ?? nil ?? []).isEmpty
        }
    }

    /// The text to score, by the conversation policy for `messages`.
    func queryText(room: Int, tokenizer: any Tokenizing) throws(RequestError) -> String {
        switch (query, messages) {
        case (let query?, nil):
            return query
        case (nil, let messages?):
            do {
                return try ConversationQuery.text(of: messages.map { .init(role: $0.role, content: $0.content) }, room: room, tokenizer: tokenizer)
            } catch {
                throw RequestError(error.description)
            }
        case (nil, nil):
            throw RequestError("the body needs \"query\" (a string) or \"messages\" (a list of chat messages)")
        case (_?, _?):
            throw RequestError("send either \"query\" or \"messages\", not both")
        }
    }

    /// The kind of turn for session affinity: a tool result when the last message is one
    /// (`role: tool`) or an assistant message calling tools.
    var sessionTurn: SessionTurn {
        guard let last = messages?.last else { return .user }
        return last.role == "tool" || (last.role == "assistant" && last.callsTools) ? .toolResult : .user
    }

    /// Checks the optional fields.
    func validate() throws(RequestError) {
        if let sessionId, let problem = SessionName.problem(sessionId) {
            throw RequestError("\"session_id\" \(problem)")
        }
        if let threshold, !(0...1).contains(threshold) {
            throw RequestError("\"threshold\" must be between 0 and 1")
        }
        if let timeoutMs, !(timeoutMs > 0 && timeoutMs <= 600_000) {
            throw RequestError("\"timeout_ms\" must be a number of milliseconds in (0, 600000]")
        }
    }

    /// Decodes a `/v1/route` body and checks its optional fields.
    static func decodeChecked(_ body: [UInt8]) throws(RequestError) -> RouteRequestBody {
        let request = try decode(RouteRequestBody.self, from: body)
        try request.validate()
        return request
    }

    /// Decodes a body, turning decoding failures into one-line reasons.
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(RequestError) -> T {
        guard !body.isEmpty else { throw RequestError("the request body is empty; send a JSON object") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch DecodingError.typeMismatch(_, let context) {
            throw RequestError("\(Self.path(context.codingPath)) has the wrong type: \(context.debugDescription)")
        } catch DecodingError.keyNotFound(let key, let context) {
            throw RequestError("\(Self.path(context.codingPath + [key])) is missing")
        } catch DecodingError.valueNotFound(_, let context) {
            throw RequestError("\(Self.path(context.codingPath)) must not be null")
        } catch {
            throw RequestError("the body is not valid JSON")
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return "\"" + (text.hasPrefix(".") ? String(text.dropFirst()) : text) + "\""
    }
}
