/// One OpenAI-compatible server the proxy forwards to. The API key is read from the environment
/// at start and never shown: `description` and `/v1/config` leave it out.
public struct UpstreamEndpoint: Equatable, Sendable, CustomStringConvertible {
    /// The tier's name ("strong", "weak", or a `tiers` entry's name).
    public var name: String
    /// E.g. `http://127.0.0.1:8080/v1`, without a trailing slash.
    public var baseURL: String
    /// The model name sent upstream.
    public var model: String
    /// The environment variable the key came from (shown), and the key (never shown).
    public var apiKeyVariable: String?
    let apiKey: SecretValue?

    public init(name: String, baseURL: String, model: String, apiKeyVariable: String? = nil, apiKey: String? = nil) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.model = model
        self.apiKeyVariable = apiKeyVariable
        self.apiKey = apiKey.map(SecretValue.init)
    }

    public var description: String { "\(name) (\(model) at \(baseURL))" }

    /// The URL of an endpoint under the base, e.g. `url("/chat/completions")`.
    func url(_ path: String) -> String { baseURL + path }
}
