/// When an upstream's circuit opens and for how long: after `failureThreshold` consecutive
/// failures it is skipped for `cooldownMs`, doubled after every failed probe up to `maxCooldownMs`.
public struct BreakerPolicy: Equatable, Sendable {
    public var failureThreshold: Int
    public var cooldownMs: Int
    public var maxCooldownMs: Int

    public init(failureThreshold: Int = 3, cooldownMs: Int = 10_000, maxCooldownMs: Int = 300_000) {
        self.failureThreshold = failureThreshold
        self.cooldownMs = cooldownMs
        self.maxCooldownMs = maxCooldownMs
    }
}
