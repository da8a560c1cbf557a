import Foundation
import RouterCore

/// One recorded request (a line of `serve --record`'s `records-*.jsonl`, or any line of the same
/// shape): its id and time, the user's query, and the answers of the tiers that answered it.
public struct TrafficRecord: Sendable {
    public var id: String
    /// Where it was read: "file:line".
    public var source: String
    public var time: String?
    public var query: String?
    /// Answer text by tier name.
    public var answers: [String: String]
    /// The whole record, for `--reference` paths and optional fields.
    public var json: JSONValue

    /// Reads one line; a line that is not a JSON object with an id is a bad record (its reason).
    public static func parse(_ line: some Collection<UInt8>, source: String) -> Result<TrafficRecord, BadRecord> {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(line)), case .object = json else {
            return .failure(BadRecord(id: source, source: source, reason: "not a JSON object"))
        }
        let id: String
        switch json.value(at: ["id"]) {
        case .string(let text)? where !text.isEmpty: id = text
        case .int(let number)?: id = String(number)
        default: return .failure(BadRecord(id: source, source: source, reason: "no \"id\" (a non-empty string or a whole number)"))
        }
        var answers: [String: String] = [:]
        if case .object(let fields)? = json.value(at: ["answers"]) {
            for (tier, value) in fields {
                if let text = value.stringValue, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { answers[tier] = text }
            }
        }
        return .success(TrafficRecord(id: id, source: source, time: json.value(at: ["time"])?.stringValue,
                                      query: Self.query(of: json), answers: answers, json: json))
    }

    /// The user's request: `query`, else `prompt`, else the last user message's text.
    static func query(of json: JSONValue) -> String? {
        for key in ["query", "prompt"] {
            if let text = json.value(at: [key])?.stringValue, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return text }
        }
        guard case .array(let messages)? = json.value(at: ["messages"]) else { return nil }
        for message in messages.reversed() where message.value(at: ["role"])?.stringValue == "user" {
            if let text = message.value(at: ["content"])?.stringValue { return text }
            if case .array(let parts)? = message.value(at: ["content"]) {
                let text = parts.compactMap { $0.value(at: ["text"])?.stringValue }.joined(separator: "\n")
                if !text.isEmpty { return text }
            }
        }
        return nil
    }

    /// The model that gave a tier's answer: `models.<tier>` when the record names it, else the tier's name.
    public func model(ofTier tier: String) -> String {
        json.value(at: ["models", tier])?.stringValue ?? tier
    }

    /// A string field of the record's `metadata`, else of the record itself (`benchmark`, `category`).
    public func field(_ name: String) -> String? {
        json.value(at: ["metadata", name])?.stringValue ?? json.value(at: [name])?.stringValue
    }
}
