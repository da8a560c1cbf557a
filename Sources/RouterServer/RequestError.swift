/// A request the server refuses with 400, and why.
public struct RequestError: Error {
    public var message: String
    init(_ message: String) { self.message = message }
}
