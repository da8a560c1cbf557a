import RouterCore

/// What another module adds to the service's own answers: keys appended to `GET /v1/config`
/// and Prometheus text appended to `GET /metrics` (the proxy's upstreams and breakers).
public struct ServiceExtension: Sendable {
    /// Adding an extension with the name of one already added replaces it.
    public var name: String
    public var configFields: @Sendable () -> [(String, JSONValue)]
    public var metricsText: @Sendable () -> String

    public init(name: String, configFields: @escaping @Sendable () -> [(String, JSONValue)], metricsText: @escaping @Sendable () -> String) {
        self.name = name
        self.configFields = configFields
        self.metricsText = metricsText
    }
}
