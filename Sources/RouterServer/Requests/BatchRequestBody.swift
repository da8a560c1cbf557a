/// The body of `POST /v1/route/batch`: `{"queries": [...]}`, each a string or an object like a
/// single route body (`query` or `messages`), with optional shared `threshold` and `timeout_ms`.
struct BatchRequestBody: Decodable {
    static let maxQueries = 1024

    var queries: [Item]
    var threshold: Double?
    var timeoutMs: Double?

    enum CodingKeys: String, CodingKey {
        case queries, threshold
        case timeoutMs = "timeout_ms"
    }

    struct Item: Decodable {
        var body: RouteRequestBody

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                body = RouteRequestBody(query: text, messages: nil, threshold: nil, timeoutMs: nil)
            } else {
                body = try RouteRequestBody(from: decoder)
            }
        }
    }

    /// Decodes a `/v1/route/batch` body and checks its options and number of queries.
    static func decodeChecked(_ body: [UInt8]) throws(RequestError) -> BatchRequestBody {
        let batch = try RouteRequestBody.decode(BatchRequestBody.self, from: body)
        try batch.options.validate()
        guard !batch.queries.isEmpty else { throw RequestError("\"queries\" is empty") }
        guard batch.queries.count <= maxQueries else {
            throw RequestError("\"queries\" holds \(batch.queries.count) items; at most \(maxQueries) per request")
        }
        return batch
    }

    /// The shared options, checked like a single request's.
    var options: RouteRequestBody {
        RouteRequestBody(query: nil, messages: nil, threshold: threshold, timeoutMs: timeoutMs)
    }
}
