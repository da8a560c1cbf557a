import Foundation
import RouterCore
import RouterServer

/// A parsed `POST /v1/chat/completions` or `/v1/completions` body: the JSON object to forward
/// (with `model` replaced per upstream), the model asked for and whether to stream.
struct ProxiedCompletion {
    enum Kind: Sendable {
        case chat
        case completion

        var upstreamPath: String { self == .chat ? "/chat/completions" : "/completions" }
    }

    /// What `model` asks for: routing (`router`, or `router-<threshold>`), or a named upstream model.
    enum ModelChoice: Equatable {
        case routed(threshold: Double?)
        case named(String)
    }

    var kind: Kind
    var object: [String: Any]
    var choice: ModelChoice
    var stream: Bool

    init(kind: Kind, body: [UInt8]) throws(ProxyError) {
        guard !body.isEmpty else { throw .invalidRequest("the request body is empty; send a JSON object") }
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(body)), let object = parsed as? [String: Any] else {
            throw .invalidRequest("the body is not a JSON object")
        }
        guard let model = object["model"] as? String, !model.isEmpty else {
            throw .invalidRequest("\"model\" is missing: \"router\", \"router-<threshold>\" or an upstream model")
        }
        let stream = object["stream"].flatMap { value -> Bool? in
            if value is NSNull { return false }
            return (value as? Bool) ?? (value as? NSNumber)?.boolValue
        }
        if object["stream"] != nil && stream == nil { throw .invalidRequest("\"stream\" must be true or false") }
        self.kind = kind
        self.object = object
        self.stream = stream ?? false
        if model == "router" {
            choice = .routed(threshold: nil)
        } else if model.hasPrefix("router-") {
            guard let threshold = Double(model.dropFirst("router-".count)), (0...1).contains(threshold) else {
                throw .invalidRequest("\"\(model)\": the threshold after \"router-\" must be a number between 0 and 1")
            }
            choice = .routed(threshold: threshold)
        } else {
            choice = .named(model)
        }
        switch kind {
        case .chat:
            guard object["messages"] is [Any] else { throw .invalidRequest("\"messages\" must be a list of chat messages") }
        case .completion:
            guard object["prompt"] is String || object["prompt"] is [Any] else {
                throw .invalidRequest("\"prompt\" must be a string or a list of strings")
            }
        }
    }

    /// The body the router scores: the chat request as is (its last user message is judged), or
    /// `{"query": prompt}` for a completion.
    func routingBody(original: [UInt8]) -> [UInt8] {
        switch kind {
        case .chat:
            return original
        case .completion:
            let prompt = (object["prompt"] as? String) ?? ((object["prompt"] as? [Any])?.compactMap { $0 as? String }.joined(separator: "\n") ?? "")
            return Array(JSONValue.object([("query", .string(prompt))]).serialized.utf8)
        }
    }

    /// A shadow request's body: the client's, not streamed (`stream` false, no `stream_options`),
    /// with `model` set to the shadow tier's upstream's.
    func shadowBody(model: String) -> [UInt8] {
        var forwarded = object
        forwarded["model"] = model
        forwarded["stream"] = false
        forwarded.removeValue(forKey: "stream_options")
        return (try? JSONSerialization.data(withJSONObject: forwarded)).map { Array($0) } ?? []
    }

    /// The body sent to an upstream: the client's, with `model` set to the upstream's.
    func upstreamBody(model: String) -> [UInt8] {
        var forwarded = object
        forwarded["model"] = model
        return (try? JSONSerialization.data(withJSONObject: forwarded)).map { Array($0) } ?? []
    }
}
