/// What one tier's answer to the client was, for its record: the status, when the upstream's
/// head arrived and the whole answer ended (from the request's arrival), the usage it reported,
/// its text (with `--record-answers`), and whether the client got all of it.
struct UpstreamAnswer {
    var status: Int
    var firstByteMs: Double?
    var totalMs: Double
    var usage: TokenUsage?
    var text: String?
    /// False when the client went away or the stream broke mid-answer.
    var complete: Bool
}
