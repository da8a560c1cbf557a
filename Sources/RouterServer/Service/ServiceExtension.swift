import RouterCore

/// What a handler in front of the service adds to its answers (`RouterService.routes(extending:)`):
/// keys appended to `GET /v1/config` and Prometheus text appended to `GET /metrics` (the proxy's
/// upstreams and breakers).
public struct ServiceExtension: Sendable {
    public var configFields: @Sendable () -> [(String, JSONValue)]
    public var metricsText: @Sendable () -> String

    public init(configFields: @escaping @Sendable () -> [(String, JSONValue)], metricsText: @escaping @Sendable () -> String) {
        self.configFields = configFields
        self.metricsText = metricsText
    }
}
