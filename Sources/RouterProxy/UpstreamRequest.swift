/// One HTTP exchange with an upstream: a POST of `body` (or a GET when nil) with the key, if any.
struct UpstreamRequest: Sendable {
    var url: String
    var body: [UInt8]?
    var apiKey: String?
    /// Asks for server-sent events (`Accept: text/event-stream`).
    var acceptsEventStream = false
    var timeouts: UpstreamTimeouts
}
