import HTTPTransport

/// A request body the service refuses with 400, and why.
public struct RequestError: HTTPResponseError {
    public var message: String
    init(_ message: String) { self.message = message }

    public var status: Int { 400 }
    public var errorType: String { "invalid_request_error" }
}
