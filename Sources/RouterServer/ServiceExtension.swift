import RouterCore

/// What another module adds to the service's own answers: keys appended to `GET /v1/config`
/// and Prometheus text appended to `GET /metrics` (the proxy's upstreams and breakers).
public struct ServiceExtension: Sendable {
    public var configFields: @Sendable () -> [(String, JSONValue)]
    public var metricsText: @Sendable () -> String

    public init(configFields: @escaping @Sendable () -> [(String, JSONValue)], metricsText: @escaping @Sendable () -> String) {
        self.configFields = configFields
        self.metricsText = metricsText
    }
}
