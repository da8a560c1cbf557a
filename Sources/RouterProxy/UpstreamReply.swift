/// An upstream's complete answer: its head, and its body unless it was relayed as it came.
struct UpstreamReply: Sendable {
    var head: UpstreamResponseHead
    var body: [UInt8]
}
