import Foundation
import HTTPTransport
import RouterCore

/// One answered request as `serve --record` stores it: one JSON object a line, snake_case
/// (README, "Recording traffic"). Filled in on the worker that answered, turned into JSON on the
/// writer thread (`json`), where the request body's `messages` and `metadata` are read too, so
/// none of it adds to the client's latency.
public struct RequestRecord: Sendable {
    public var id: String
    /// When the request arrived (wall clock).
    public var time: Date
    public var path: String
    /// The query's place in a `/v1/route/batch` request.
    public var index: Int?
    /// The text the router scored (nil when it scored nothing: a named model, the model loading).
    public var query: String?
    /// The request body as received; `messages` (chat requests) and `metadata` are read from it.
    public var body: [UInt8]?
    public var verdict: Verdict?
    /// The tier routed to, and the one that answered (nil when none could).
    public var tier: String?
    public var answeredBy: String?
    public var failover: Bool?
    public var status: Int
    public var latency: RecordLatency
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Upstream model names by tier, for the tiers that took part.
    public var models: [(tier: String, model: String)] = []
    /// Answer texts by tier (only with --record-answers).
    public var answers: [(tier: String, text: String)] = []
    public var shadow: ShadowRecord?

    public init(id: String, time: Date, path: String, status: Int, latency: RecordLatency = RecordLatency()) {
        self.id = id
        self.time = time
        self.path = path
        self.status = status
        self.latency = latency
    }

    /// A record of `request` (its arrival time and path) answered with `status`, its total
    /// latency taken now.
    public init(id: String, request: HTTPRequest, status: Int) {
        let elapsed = ContinuousClock.now - request.receivedAt
        self.init(id: id, time: Date().addingTimeInterval(-elapsed.milliseconds / 1000), path: request.path, status: status,
                  latency: RecordLatency(totalMs: elapsed.milliseconds))
    }

    /// The record's JSON line (fields in the documented order; absent ones left out).
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [("id", .string(id)), ("time", .string(Self.timestamp(time))), ("path", .string(path))]
        if let index { fields.append(("index", .int(index))) }
        fields.append(("query", query.map(JSONValue.string) ?? .null))
        let request = body.flatMap(Self.requestObject)
        if let messages = request?["messages"] { fields.append(("messages", messages)) }
        if let metadata = request?["metadata"] { fields.append(("metadata", metadata)) }
        fields.append(("verdict", verdict?.json ?? .null))
        if let tier { fields.append(("tier", .string(tier))) }
        if tier != nil || answeredBy != nil { fields.append(("answered_by", answeredBy.map(JSONValue.string) ?? .null)) }
        if let failover { fields.append(("failover", .bool(failover))) }
        fields.append(("status", .int(status)))
        var latencies: [(String, JSONValue)] = [("scoring", latency.scoringMs.map(JSONValue.number) ?? .null)]
        if tier != nil { latencies.append(("first_byte", latency.firstByteMs.map(JSONValue.number) ?? .null)) }
        latencies.append(("total", latency.totalMs.map(JSONValue.number) ?? .null))
        fields.append(("latency_ms", .object(latencies)))
        if promptTokens != nil || completionTokens != nil {
            fields.append(("usage", Self.usage(promptTokens, completionTokens)))
        }
        if !models.isEmpty { fields.append(("models", .object(models.map { ($0.tier, .string($0.model)) }))) }
        if !answers.isEmpty { fields.append(("answers", .object(answers.map { ($0.tier, .string($0.text)) }))) }
        if let shadow {
            var object: [(String, JSONValue)] = [("tier", .string(shadow.tier))]
            if let status = shadow.status { object.append(("status", .int(status))) }
            if let error = shadow.error { object.append(("error", .string(error))) }
            object.append(("latency_ms", shadow.latencyMs.map(JSONValue.number) ?? .null))
            if shadow.promptTokens != nil || shadow.completionTokens != nil {
                object.append(("usage", Self.usage(shadow.promptTokens, shadow.completionTokens)))
            }
            fields.append(("shadow", .object(object)))
        }
        return .object(fields)
    }

    private static func usage(_ prompt: Int?, _ completion: Int?) -> JSONValue {
        .object([("prompt_tokens", prompt.map(JSONValue.int) ?? .null), ("completion_tokens", completion.map(JSONValue.int) ?? .null)])
    }

    /// The body's top-level keys, when it is a JSON object (read with JSONDecoder: exact numbers).
    private static func requestObject(_ body: [UInt8]) -> [String: JSONValue]? {
        guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else { return nil }
        return Dictionary(fields, uniquingKeysWith: { first, _ in first })
    }

    /// ISO-8601 in UTC with milliseconds: `2026-12-07T03:35:01.123Z`.
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(milliseconds % 1000))
    }
}
