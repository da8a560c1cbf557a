import Foundation

/// A session named by the client: `X-Session-Id`, `/v1/route`'s `"session_id"` or the proxy's
/// request `user`. The name `new` asks for a fresh routing: the turn is routed as if the
/// conversation had no session, and the session continues from there.
public enum SessionName {
    /// The name that asks for a fresh routing.
    public static let fresh = "new"
    /// The longest name accepted, in bytes.
    public static let maxBytes = 256

    /// Why `name` is refused, or nil when it is a usable name.
    public static func problem(_ name: String) -> String? {
        if name.trimmingCharacters(in: .whitespaces).isEmpty { return "must not be empty" }
        if name.utf8.count > maxBytes { return "must be at most \(maxBytes) bytes" }
        return nil
    }
}
