import RouterCore

/// JSON text helpers for responses built by hand.
enum JSONText {
    /// A JSON string literal.
    static func string(_ value: String) -> String {
        JSONValue.string(value).serialized
    }
}
