/// A parsed HTTP/1.x request.
public struct HTTPRequest: Equatable, Sendable {
    public var method: String
    /// The request target as sent (path and query).
    public var target: String
    /// "HTTP/1.0" or "HTTP/1.1".
    public var version: String
    /// Header fields in order; names as sent.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// When the last byte of the request arrived (a handler's deadlines count from here, so time
    /// spent waiting for a free handler thread counts too). Not part of equality.
    public var receivedAt: ContinuousClock.Instant

    public init(method: String, target: String, version: String = "HTTP/1.1", headers: [(name: String, value: String)] = [],
                body: [UInt8] = [], receivedAt: ContinuousClock.Instant = .now) {
        self.receivedAt = receivedAt
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.version == rhs.version && lhs.body == rhs.body
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }

    /// The path without the query string.
    public var path: String {
        String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// The first value of a header (case-insensitive name).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Whether the connection stays open after the response (HTTP/1.1 unless "close";
    /// HTTP/1.0 only with "keep-alive").
    public var keepAlive: Bool {
        let connection = header("Connection")?.lowercased() ?? ""
        if version == "HTTP/1.0" { return connection.contains("keep-alive") }
        return !connection.contains("close")
    }
}
