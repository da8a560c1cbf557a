/// A request a handler refuses before acting on it, with its status and OpenAI-style error type.
public struct RequestRefusal: Error, Sendable {
    public var status: Int
    public var message: String
    public var type: String

    public init(status: Int = 400, message: String, type: String = "invalid_request_error") {
        self.status = status
        self.message = message
        self.type = type
    }

    /// `{"error": {"message": ..., "type": ...}}` with the status.
    public var response: HTTPResponse { .error(status, message, type: type) }
}
