import RouterCore

/// One row of a query log: where it is (1-based line, the row's identity across runs and
/// shards), its id for the output, and the query or the reason it cannot be labeled.
struct QueryRecord {
    var line: Int
    var id: JSONValue
    var content: Content

    enum Content {
        case query(String)
        case conversation([ConversationQuery.Message])
        case invalid(String)
    }
}
