import HTTPTransport
import RouterCore

/// Everything `causal-router serve` is started with.
public struct ServerOptions: Sendable {
    public var router = RouterOptions()
    public var address = ListenAddress.tcp(host: "127.0.0.1", port: 8321)
    public var engine = ScoringEngineSettings()
    public var limits = HTTPServerLimits()
    public var defaultTimeoutMs = 2000
    /// Keys for `Authorization: Bearer` (`--api-key-file`); nil: no authentication.
    public var apiKeyFile: String?
    /// Allows a non-loopback TCP address without an API key file.
    public var allowUnauthenticated = false
    /// `/metrics` answers without a key even when keys are required.
    public var publicMetrics = false
    /// Distributions the verdict cache holds (`--verdict-cache`; 0: no cache).
    public var verdictCacheEntries = ServerOptions.defaultVerdictCacheEntries
    /// How long a cached distribution answers repeats of its query (`--verdict-cache-ttl`).
    public var verdictCacheTimeToLive = ServerOptions.defaultVerdictCacheTimeToLive
    /// Where and what `--record` writes; nil: no recording (the default).
    public var recording: RecordingOptions?
    /// Sessions kept for session affinity (`--sessions`; 0: off) and their idle lifetime (`--session-ttl`).
    public var sessions = ServerOptions.defaultSessions
    public var sessionTimeToLive = ServerOptions.defaultSessionTimeToLive

    public static let defaultVerdictCacheEntries = 10_000
    public static let defaultVerdictCacheTimeToLive = Duration.seconds(600)
    public static let defaultSessions = 10_000
    public static let defaultSessionTimeToLive = Duration.seconds(1800)

    public init() {}
}
