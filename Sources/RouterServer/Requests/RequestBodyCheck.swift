import RouterCore

/// What the sidecar makes of a `/v1/route` or `/v1/route/batch` body before it scores anything:
/// the text each query scores, or the 400 refusal. The server's own decoding and checks, public
/// for the fuzz targets (Fuzz/RequestBody).
public enum RequestBodyCheck {
    /// The text a `/v1/route` body scores (`room` tokens at most for a conversation).
    public static func routeQuery(_ body: [UInt8], room: Int, tokenizer: any Tokenizing) throws(RequestError) -> String {
        try RouteRequestBody.decodeChecked(body).queryText(room: room, tokenizer: tokenizer)
    }

    /// The texts a `/v1/route/batch` body scores, in order.
    public static func batchQueries(_ body: [UInt8], room: Int, tokenizer: any Tokenizing) throws(RequestError) -> [String] {
        let batch = try BatchRequestBody.decodeChecked(body)
        var texts: [String] = []
        for (index, item) in batch.queries.enumerated() {
            do {
                texts.append(try item.body.queryText(room: room, tokenizer: tokenizer))
            } catch {
                throw RequestError("\"queries\"[\(index)]: \(error.message)")
            }
        }
        return texts
    }
}
