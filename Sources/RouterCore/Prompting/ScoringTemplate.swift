import Foundation

/// A scoring prompt: what the model reads before it predicts the 1-5 label.
///
/// File format (see prompts/README.md): optional `#` comment lines, then sections, each
/// opened by a line holding only its name:
/// - `[system]` (optional), `[user]` (must contain `{{query}}` once), `[assistant]` (optional:
///   the start of the reply, e.g. `Rating: [[`) — rendered through the model's chat template;
/// - or `[raw]` alone — the exact text, `{{query}}` once, fed to the model as is.
/// Blank lines around a section's text are dropped, so the rendered text ends exactly where
/// the label digit comes next.
public struct ScoringTemplate: Equatable, Sendable {
    public enum Body: Equatable, Sendable {
        case chat(system: String?, user: String, assistantPrefix: String)
        case raw(String)
    }

    public static let placeholder = "{{query}}"

    /// A short name for reports (the file name without extension).
    public var name: String
    public var body: Body

    public init(name: String, body: Body) {
        self.name = name
        self.body = body
    }

    /// Reads and parses a template file.
    public static func load(path: String) throws(RouterError) -> ScoringTemplate {
        guard let data = FileManager.default.contents(atPath: path) else { throw .templateNotFound(path: path) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .templateInvalid(path: path, reason: "not UTF-8 text")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        do {
            return try parse(text, name: name)
        } catch {
            throw .templateInvalid(path: path, reason: error.reason)
        }
    }

    /// Why a template text was refused.
    public struct ParseError: Error, Equatable {
        public var reason: String
    }

    /// Parses template text (the file format above).
    public static func parse(_ text: String, name: String) throws(ParseError) -> ScoringTemplate {
        let sectionNames: Set<String> = ["system", "user", "assistant", "raw"]
        var sections: [String: [Substring]] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("["), trimmed.hasSuffix("]"), sectionNames.contains(String(trimmed.dropFirst().dropLast())) {
                let section = String(trimmed.dropFirst().dropLast())
                guard sections[section] == nil else { throw ParseError(reason: "section [\(section)] appears twice") }
                sections[section] = []
                current = section
            } else if let current {
                sections[current]!.append(line.hasSuffix("\r") ? line.dropLast() : line)
            } else if !trimmed.isEmpty && !trimmed.hasPrefix("#") {
                throw ParseError(reason: "text before the first section; start with [user] or [raw]")
            }
        }
        func body(_ section: String) -> String? {
            sections[section].map { $0.joined(separator: "\n").trimmingCharacters(in: .newlines) }
        }
        func checkPlaceholder(_ text: String, in section: String) throws(ParseError) {
            let count = text.components(separatedBy: placeholder).count - 1
            guard count == 1 else {
                throw ParseError(reason: count == 0
                    ? "the [\(section)] section has no \(placeholder) placeholder"
                    : "the [\(section)] section has \(placeholder) \(count) times; it must appear once")
            }
        }
        if let raw = body("raw") {
            guard sections.count == 1 else { throw ParseError(reason: "[raw] cannot be combined with other sections") }
            try checkPlaceholder(raw, in: "raw")
            return ScoringTemplate(name: name, body: .raw(raw))
        }
        guard let user = body("user") else { throw ParseError(reason: "no [user] or [raw] section") }
        try checkPlaceholder(user, in: "user")
        for section in ["system", "assistant"] {
            if let text = body(section), text.contains(placeholder) {
                throw ParseError(reason: "\(placeholder) belongs in the [user] section, not [\(section)]")
            }
        }
        let system = body("system").flatMap { $0.isEmpty ? nil : $0 }
        return ScoringTemplate(name: name, body: .chat(system: system, user: user, assistantPrefix: body("assistant") ?? ""))
    }
}
