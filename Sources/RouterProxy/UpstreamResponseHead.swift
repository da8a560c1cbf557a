import Foundation

/// An upstream answer's status line and headers.
struct UpstreamResponseHead: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// `Retry-After` in seconds (the delta-seconds form), if given.
    var retryAfterSeconds: Double? {
        header("Retry-After").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }.flatMap { $0 >= 0 ? $0 : nil }
    }

    /// A status the proxy fails over on, when nothing reached the client yet.
    var isRetriable: Bool { status >= 500 || status == 429 }
}
