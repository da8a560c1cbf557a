/// How long the proxy waits on an upstream: to connect, for the first byte of the answer (its
/// status line; for a non-streamed answer that is the whole generation), and for the whole exchange.
public struct UpstreamTimeouts: Equatable, Sendable {
    public var connectMs: Int
    public var firstByteMs: Int
    public var totalMs: Int

    public init(connectMs: Int = 2_000, firstByteMs: Int = 60_000, totalMs: Int = 600_000) {
        self.connectMs = connectMs
        self.firstByteMs = firstByteMs
        self.totalMs = totalMs
    }
}
