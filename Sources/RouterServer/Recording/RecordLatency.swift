/// A record's `latency_ms`: scoring (the verdict's), the upstream's first byte and the whole
/// answer, each from the request's arrival; nil where it does not apply.
public struct RecordLatency: Sendable, Equatable {
    public var scoringMs: Double?
    public var firstByteMs: Double?
    public var totalMs: Double?

    public init(scoringMs: Double? = nil, firstByteMs: Double? = nil, totalMs: Double? = nil) {
        self.scoringMs = scoringMs
        self.firstByteMs = firstByteMs
        self.totalMs = totalMs
    }
}
