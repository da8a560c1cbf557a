/// Answers requests. Called on one of the server's worker threads; may block (up to the
/// request's own deadline).
public protocol HTTPHandler: Sendable {
    /// Answers through `writer`: a whole response (`send`), or a streamed one (`beginStream`,
    /// `write` chunks, `finish`).
    func respond(to request: HTTPRequest, writer: HTTPResponseWriter)
}
