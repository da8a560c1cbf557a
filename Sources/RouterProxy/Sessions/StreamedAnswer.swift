import Foundation

/// The answer of a streamed completion, put together from its events' deltas
/// (`choices[0].delta.content` and `tool_calls`, each call's pieces joined by its `index`; a
/// text completion's `choices[0].text`), so session affinity can link the next turn to it
/// (`SessionMessage`) and `--record-answers` can store its text. Held only while the answer is
/// relayed.
struct StreamedAnswer {
    private var role = "assistant"
    private var content = ""
    private var calls: [Int: SessionMessage.ToolCall] = [:]

    /// Reads one event's data (a chat.completion.chunk); anything else is ignored.
    mutating func add(_ payload: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any],
              let choice = (object["choices"] as? [Any])?.first as? [String: Any] else { return }
        if let text = choice["text"] as? String { content += text }
        guard let delta = choice["delta"] as? [String: Any] else { return }
        if let role = delta["role"] as? String { self.role = role }
        if let text = delta["content"] as? String { content += text }
        for case let call as [String: Any] in delta["tool_calls"] as? [Any] ?? [] {
            let index = (call["index"] as? NSNumber)?.intValue ?? calls.count
            var assembled = calls[index] ?? SessionMessage.ToolCall(id: "", name: "", arguments: "")
            if let id = call["id"] as? String, !id.isEmpty { assembled.id = id }
            let function = call["function"] as? [String: Any] ?? [:]
            if let name = function["name"] as? String, !name.isEmpty { assembled.name = name }
            if let arguments = function["arguments"] as? String { assembled.arguments += arguments }
            calls[index] = assembled
        }
    }

    /// The answer's text (chat content, or a text completion's text).
    var text: String { content }

    var message: SessionMessage {
        SessionMessage(role: role, content: content, toolCalls: calls.keys.sorted().map { calls[$0]! })
    }
}
