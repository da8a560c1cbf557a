/// Why an upstreams file could not be used; names the file and the key.
public struct UpstreamConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "upstreams \(path): \(reason)" }
}
