import Foundation
import HTTPTransport

/// A request's id in records and in the `X-Router-Request-Id` answer header: the client's
/// `X-Request-Id` when it is sane (1-128 printable ASCII characters), else a new UUID, so a
/// client can find its request's record and a replay can be traced.
public enum RequestID {
    public static let header = "X-Router-Request-Id"

    public static func of(_ request: HTTPRequest) -> String {
        if let given = request.header("X-Request-Id"), isSane(given) { return given }
        return UUID().uuidString.lowercased()
    }

    static func isSane(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && id.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
