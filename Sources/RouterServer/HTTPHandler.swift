/// Answers requests. Called on one of the server's worker threads; may block (up to the
/// request's own deadline).
public protocol HTTPHandler: Sendable {
    /// The whole response to `request`.
    func handle(_ request: HTTPRequest) -> HTTPResponse

    /// Answers through `writer`: a whole response, or a streamed one (`beginStream`, `write`
    /// chunks, `finish`). The default sends `handle(request)`.
    func respond(to request: HTTPRequest, writer: HTTPResponseWriter)
}

extension HTTPHandler {
    public func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        writer.send(handle(request))
    }
}
