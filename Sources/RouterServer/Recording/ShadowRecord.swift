/// A record's `shadow`: the tier a sampled request was also sent to after the client's answer,
/// and how that went (its HTTP status, or why it failed), from its start to its end.
public struct ShadowRecord: Sendable, Equatable {
    public var tier: String
    public var status: Int?
    public var error: String?
    public var latencyMs: Double?
    public var promptTokens: Int?
    public var completionTokens: Int?

    public init(tier: String, status: Int? = nil, error: String? = nil, latencyMs: Double? = nil,
                promptTokens: Int? = nil, completionTokens: Int? = nil) {
        self.tier = tier
        self.status = status
        self.error = error
        self.latencyMs = latencyMs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}
