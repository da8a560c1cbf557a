import RouterCore

/// What a row's id decides, by its SHA-256 (stable across runs, machines and input order).
public enum IDHash {
    /// data/README.md's split: "test" when the digest's first 8 hex digits, read as a number, are
    /// below 0.2 x 2^32, else "train".
    public static func split(id: String) -> String {
        let digest = SHA256.hex(Array(id.utf8))
        let value = UInt64(digest.prefix(8), radix: 16) ?? 0
        return Double(value) < 0.2 * 4_294_967_296 ? "test" : "train"
    }

    /// The shard (0..<count) a record belongs to, from the digest's next 8 hex digits (independent
    /// of the split's).
    public static func shard(id: String, count: Int) -> Int {
        let digest = SHA256.hex(Array(id.utf8))
        let value = UInt64(digest.dropFirst(8).prefix(8), radix: 16) ?? 0
        return Int(value % UInt64(count))
    }
}
