import Foundation
import RouterCore

/// Checks `Authorization: Bearer <key>` against the configured keys. Only SHA-256 digests of the
/// keys are kept, and a presented key is compared with every digest in constant time (no early
/// exit on a mismatching byte or a matching key), so timing tells nothing about the keys.
public struct APIKeyAuthenticator: Sendable, CustomStringConvertible {
    private let digests: [[UInt8]]

    public init(keys: [String]) {
        digests = keys.map { Array(SHA256.hex(Array($0.utf8)).utf8) }
    }

    /// Never shows a key or a digest.
    public var description: String { "APIKeyAuthenticator(\(digests.count) keys)" }

    /// Whether an `Authorization` header value carries one of the keys.
    public func authorizes(authorization: String?) -> Bool {
        guard let key = Self.bearerToken(authorization) else { return false }
        let presented = Array(SHA256.hex(Array(key.utf8)).utf8)
        var matched = false
        for digest in digests {
            matched = Self.constantTimeEqual(digest, presented) || matched
        }
        return matched
    }

    /// The token of `Bearer <token>` (scheme case-insensitive), else nil.
    static func bearerToken(_ authorization: String?) -> String? {
        guard let value = authorization?.trimmingCharacters(in: .whitespaces) else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Equal byte arrays, compared without branching on their content.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
