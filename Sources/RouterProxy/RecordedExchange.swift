/// What `forward` learnt about one proxied request, for its record: the id, the scored text and
/// verdict (in `headers`), the tier routed to, the tier that answered and how, or the status sent
/// when none could.
struct RecordedExchange {
    var id: String
    var query: String?
    var headers: RouterHeaders
    /// The index of the tier routed to (the named model's tier for a request that named one).
    var routed: Int
    var answered: (index: Int, answer: UpstreamAnswer)?
    var failover = false
    /// The status sent when no tier answered.
    var status: Int?
}
