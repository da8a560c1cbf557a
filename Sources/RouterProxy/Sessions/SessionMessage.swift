import Foundation
import RouterCore

/// One chat message as session affinity hashes it: only what makes it the same message to the
/// conversation, so that what a client sends back of an answer matches what the proxy relayed.
///
/// The canonical form (`canonical`, serialized one message a line by `SessionTranscript`) is
/// `{"role", "content", "name", "tool_call_id", "tool_calls": [{"id", "name", "arguments"}]}` in
/// that order: `content` is the text (a list of parts: its text parts joined by a newline; null
/// or absent: empty), surrounding whitespace removed; `name` and `tool_call_id` absent, null and
/// empty are the same (empty); a tool call keeps its id, its function's name and its arguments
/// (whitespace at the ends removed; arguments given as an object are serialized with sorted
/// keys). Every other key (`refusal`, `annotations`, `audio`, `function_call`, a call's `type`,
/// key order) is left out.
struct SessionMessage: Equatable {
    struct ToolCall: Equatable {
        var id: String
        var name: String
        var arguments: String
    }

    var role: String
    var content: String
    var name = ""
    var toolCallId = ""
    var toolCalls: [ToolCall] = []

    init(role: String, content: String, name: String = "", toolCallId: String = "", toolCalls: [ToolCall] = []) {
        self.role = role
        self.content = content.trimmingCharacters(in: .whitespacesAndNewlines)
        self.name = name
        self.toolCallId = toolCallId
        self.toolCalls = toolCalls
    }

    /// A message of a request or a whole answer (`JSONSerialization`'s objects); nil when it is
    /// not an object with a string `role`.
    init?(json: Any) {
        guard let object = json as? [String: Any], let role = object["role"] as? String else { return nil }
        let calls = (object["tool_calls"] as? [Any] ?? []).compactMap { call -> ToolCall? in
            guard let call = call as? [String: Any] else { return nil }
            let function = call["function"] as? [String: Any] ?? [:]
            return ToolCall(id: call["id"] as? String ?? "", name: function["name"] as? String ?? "",
                            arguments: Self.text(ofArguments: function["arguments"]))
        }
        self.init(role: role, content: Self.text(of: object["content"]), name: object["name"] as? String ?? "",
                  toolCallId: object["tool_call_id"] as? String ?? "", toolCalls: calls)
    }

    /// The answer in a whole (not streamed) chat completion body: `choices[0].message`.
    init?(completionBody body: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let choice = (object["choices"] as? [Any])?.first as? [String: Any], let message = choice["message"] else { return nil }
        self.init(json: message)
    }

    var canonical: JSONValue {
        .object([
            ("role", .string(role)),
            ("content", .string(content)),
            ("name", .string(name)),
            ("tool_call_id", .string(toolCallId)),
            ("tool_calls", .array(toolCalls.map { call in
                .object([("id", .string(call.id)), ("name", .string(call.name)),
                         ("arguments", .string(call.arguments.trimmingCharacters(in: .whitespacesAndNewlines)))])
            })),
        ])
    }

    private static func text(of content: Any?) -> String {
        if let text = content as? String { return text }
        guard let parts = content as? [Any] else { return "" }
        return parts.compactMap { part -> String? in
            guard let part = part as? [String: Any] else { return nil }
            let type = part["type"] as? String
            return type == nil || type == "text" ? part["text"] as? String : nil
        }.joined(separator: "\n")
    }

    private static func text(ofArguments arguments: Any?) -> String {
        if let text = arguments as? String { return text }
        guard let arguments, !(arguments is NSNull), JSONSerialization.isValidJSONObject(arguments),
              let data = try? JSONSerialization.data(withJSONObject: arguments, options: [.sortedKeys]) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
