import HTTPTransport
import RouterCore

/// What the routing service answers with and how long it lets a request wait.
public struct ServiceSettings: Sendable {
    /// The routing config at start (SIGHUP replaces the live one: `RouterService.config`).
    public var config: RoutingConfig
    /// Deadline of a request that names none.
    public var defaultTimeoutMs: Int = 2000
    /// Shown by `/v1/config`.
    public var modelPath: String
    public var templateName: String
    public var engine: ScoringEngineSettings
    public var limits: HTTPServerLimits
    /// Keys every endpoint but `/healthz` requires (nil: none required).
    public var authenticator: APIKeyAuthenticator?
    /// `/metrics` answers without a key.
    public var publicMetrics = false
    /// Distributions the verdict cache holds (0: no cache).
    public var verdictCacheEntries = ServerOptions.defaultVerdictCacheEntries
    /// How long a cached distribution answers repeats of its query.
    public var verdictCacheTimeToLive = ServerOptions.defaultVerdictCacheTimeToLive
    /// Where answered requests are recorded (`--record`); nil: they are not.
    public var recorder: RecordWriter?
    /// Sessions kept for session affinity (0: affinity off) and how long one lasts after its last turn.
    public var sessions = ServerOptions.defaultSessions
    public var sessionTimeToLive = ServerOptions.defaultSessionTimeToLive

    public init(config: RoutingConfig, defaultTimeoutMs: Int = 2000, modelPath: String, templateName: String,
                engine: ScoringEngineSettings, limits: HTTPServerLimits, authenticator: APIKeyAuthenticator? = nil,
                publicMetrics: Bool = false, verdictCacheEntries: Int = ServerOptions.defaultVerdictCacheEntries,
                verdictCacheTimeToLive: Duration = ServerOptions.defaultVerdictCacheTimeToLive, recorder: RecordWriter? = nil) {
        self.config = config
        self.defaultTimeoutMs = defaultTimeoutMs
        self.modelPath = modelPath
        self.templateName = templateName
        self.engine = engine
        self.limits = limits
        self.authenticator = authenticator
        self.publicMetrics = publicMetrics
        self.verdictCacheEntries = verdictCacheEntries
        self.verdictCacheTimeToLive = verdictCacheTimeToLive
        self.recorder = recorder
    }
}
