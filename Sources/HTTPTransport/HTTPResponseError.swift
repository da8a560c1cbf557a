/// An error that becomes an HTTP response: every refusal the server, the service and the proxy
/// send goes through this, so each status, error type and message is written in one place (the
/// conforming type) and rendered one way (`response`: OpenAI's `{"error": {...}}` shape).
public protocol HTTPResponseError: Error {
    var status: Int { get }
    /// The OpenAI-style `error.type`.
    var errorType: String { get }
    var message: String { get }
    /// Headers the refusal carries (`Allow`, `WWW-Authenticate`).
    var headers: [(String, String)] { get }
}

extension HTTPResponseError {
    public var headers: [(String, String)] { [] }

    /// The response this error is sent as.
    public var response: HTTPResponse {
        var response = HTTPResponse.error(status, message, type: errorType)
        response.extraHeaders = headers
        return response
    }
}
