/// A record that cannot be judged, and why: a line of the errors file.
public struct BadRecord: Error, Equatable, Sendable {
    /// The record's id, or "file:line" when it has none.
    public var id: String
    public var source: String
    public var reason: String
    /// The judge's replies that could not be read, when that is the reason.
    public var replies: [String] = []
    /// The judge calls made on it before it was given up, and their tokens.
    public var calls = 0
    public var promptTokens = 0
    public var completionTokens = 0

    public init(id: String, source: String, reason: String, replies: [String] = []) {
        self.id = id
        self.source = source
        self.reason = reason
        self.replies = replies
    }
}
