/// Which model a query goes to.
public enum Route: String, Codable, Equatable, Sendable {
    case strong
    case weak
}
