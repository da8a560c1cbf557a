import RouterCore

/// What the routing service answers with and how long it lets a request wait.
public struct ServiceSettings: Sendable {
    public var config: RoutingConfig
    /// Deadline of a request that names none.
    public var defaultTimeoutMs: Int = 2000
    /// Shown by `/v1/config`.
    public var modelPath: String
    public var templateName: String
    public var engine: ScoringEngineSettings
    public var limits: HTTPServerLimits

    public init(config: RoutingConfig, defaultTimeoutMs: Int = 2000, modelPath: String, templateName: String,
                engine: ScoringEngineSettings, limits: HTTPServerLimits) {
        self.config = config
        self.defaultTimeoutMs = defaultTimeoutMs
        self.modelPath = modelPath
        self.templateName = templateName
        self.engine = engine
        self.limits = limits
    }
}
