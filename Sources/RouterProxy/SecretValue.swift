/// An API key: usable by the upstream client, shown nowhere (descriptions, dumps and
/// reflection all read `<redacted>`).
struct SecretValue: Equatable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String

    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: [:]) }
}
