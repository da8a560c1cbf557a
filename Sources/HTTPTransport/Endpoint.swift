/// One path and method of a `RouteTable` and what answers it: a whole response or a stream
/// (`HTTPResponseWriter`), on a worker thread.
public struct Endpoint: Sendable {
    public var method: String
    public var path: String
    public var respond: @Sendable (HTTPRequest, HTTPResponseWriter) -> Void

    public init(_ method: String, _ path: String, respond: @escaping @Sendable (HTTPRequest, HTTPResponseWriter) -> Void) {
        self.method = method
        self.path = path
        self.respond = respond
    }

    /// An endpoint whose answer is one whole response.
    public static func whole(_ method: String, _ path: String,
                             _ answer: @escaping @Sendable (HTTPRequest) -> HTTPResponse) -> Endpoint {
        Endpoint(method, path) { request, writer in writer.send(answer(request)) }
    }
}
