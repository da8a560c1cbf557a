import Foundation

/// `serve --api-key-file FILE`: one key a line; blank lines and lines starting with `#` are
/// ignored, surrounding whitespace is trimmed. An unreadable file, or one without a key, is an
/// error (a server meant to need a key must not start open).
public enum APIKeyFile {
    public static func load(path: String) throws(APIKeyFileError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path)
        }
        return try parse(text, path: path)
    }

    /// The keys in a key file's text; `path` only names the file in errors.
    public static func parse(_ text: String, path: String) throws(APIKeyFileError) -> [String] {
        var keys: [String] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard !line.contains(where: { $0.isWhitespace }) else {
                throw .malformed(path: path, line: index + 1, reason: "a key must not contain whitespace")
            }
            guard line.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
                throw .malformed(path: path, line: index + 1, reason: "a key must be printable ASCII")
            }
            keys.append(line)
        }
        guard !keys.isEmpty else { throw .empty(path: path) }
        return keys
    }
}
