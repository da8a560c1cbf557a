import Foundation

/// The answer's text in a whole OpenAI-compatible completion, for `serve --record-answers`: the
/// first choice's `message.content` (chat) or `text` (completions). A streamed answer's text is
/// put together by `StreamedAnswer`.
enum AnswerText {
    /// The text of a whole answer's body; nil when it holds none.
    static func ofAnswer(_ body: [UInt8]) -> String? {
        guard let choice = firstChoice(body) else { return nil }
        return ((choice["message"] as? [String: Any])?["content"] as? String) ?? (choice["text"] as? String)
    }

    private static func firstChoice(_ json: [UInt8]) -> [String: Any]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]] else { return nil }
        return choices.first { (($0["index"] as? NSNumber)?.intValue ?? 0) == 0 }
    }
}
