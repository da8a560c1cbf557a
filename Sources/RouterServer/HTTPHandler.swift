/// Answers one request. Called on the connection's own thread; may block.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) -> HTTPResponse
}
