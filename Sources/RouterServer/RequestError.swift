/// A request the server refuses with 400, and why.
struct RequestError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
