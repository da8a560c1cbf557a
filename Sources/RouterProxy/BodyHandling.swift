/// What the upstream client does with an answer's body once its head is known.
enum BodyHandling: Sendable {
    /// Keep it whole for the caller.
    case collect
    /// Hand each piece to the caller as it arrives.
    case relay
}
