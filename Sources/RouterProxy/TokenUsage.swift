import Foundation

/// The `usage` an OpenAI-compatible answer reports.
struct TokenUsage: Equatable, Sendable {
    var promptTokens: Int
    var completionTokens: Int

    /// From an answer's (or a stream event's) JSON; nil without a usage object.
    init?(json: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
              let usage = object["usage"] as? [String: Any] else { return nil }
        promptTokens = (usage["prompt_tokens"] as? NSNumber)?.intValue ?? 0
        completionTokens = (usage["completion_tokens"] as? NSNumber)?.intValue ?? 0
    }
}
