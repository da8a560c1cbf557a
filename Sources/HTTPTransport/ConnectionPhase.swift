/// Where a connection is in its request cycle; decides its deadline and whether it may be
/// closed to make room for a new connection.
public enum ConnectionPhase: Equatable, Sendable, CaseIterable {
    /// Keep-alive, nothing received of a next request.
    case idle
    /// Part of a request line or headers has arrived.
    case receivingHead
    /// The head is in; the body is arriving.
    case receivingBody
    /// A complete request is with a handler (or its streamed response is under way).
    case handling
    /// A response is written and the client has not taken all of it yet.
    case writing
    /// Refused or finished: the write side is shut, the client's leftover input is discarded.
    case lingering

    /// Order in which connections are closed at the connection cap (lower first; nil: never):
    /// those that carry no request in flight, the least valuable first.
    public var evictionRank: Int? {
        switch self {
        case .lingering: return 0
        case .idle: return 1
        case .receivingHead: return 2
        case .receivingBody: return 3
        case .writing, .handling: return nil
        }
    }

    /// A client stopped in this phase past its deadline gets 408 before the close.
    public var timesOutWith408: Bool {
        self == .receivingHead || self == .receivingBody
    }
}
