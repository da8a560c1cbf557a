import Foundation

/// The judge's instructions (`prompts/judge-pairwise.txt`), in the scoring templates' section
/// format: `#` comment lines before the first section, then `[system]` (optional), `[user]`,
/// whose text holds each of `{{question}}`, `{{answer_a}}` and `{{answer_b}}` exactly once, and
/// `[assistant]` (optional): the start of the judge's reply, sent as a last assistant message for
/// servers that continue it (llama-server does; OpenAI's API does not, so the shipped prompt has
/// none). Small judges that will not write a verdict on their own do after `Verdict: [[`.
public struct JudgePrompt: Equatable, Sendable {
    public static let placeholders = ["{{question}}", "{{answer_a}}", "{{answer_b}}"]

    public var system: String?
    public var user: String
    public var assistantPrefix: String?

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public init(text: String, path: String) throws(Invalid) {
        var sections: [String: [Substring]] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "[system]" || trimmed == "[user]" || trimmed == "[assistant]" {
                current = String(trimmed.dropFirst().dropLast())
                guard sections[current!] == nil else { throw Invalid(description: "\(path): the section \(trimmed) appears twice") }
                sections[current!] = []
            } else if let current {
                sections[current]!.append(line)
            } else if !trimmed.isEmpty && !trimmed.hasPrefix("#") {
                throw Invalid(description: "\(path): text before the first section ([system], [user] or [assistant])")
            }
        }
        func body(_ name: String) -> String? {
            sections[name].map { $0.joined(separator: "\n").trimmingCharacters(in: .newlines) }
        }
        guard let user = body("user"), !user.isEmpty else { throw Invalid(description: "\(path): no [user] section") }
        for placeholder in Self.placeholders where user.components(separatedBy: placeholder).count != 2 {
            throw Invalid(description: "\(path): the [user] section must hold \(placeholder) exactly once")
        }
        self.system = body("system").flatMap { $0.isEmpty ? nil : $0 }
        self.assistantPrefix = body("assistant").flatMap { $0.isEmpty ? nil : $0 }
        self.user = user
    }

    /// Reads a prompt file.
    public static func load(path: String) throws(Invalid) -> JudgePrompt {
        guard let data = FileManager.default.contents(atPath: path) else { throw Invalid(description: "cannot read the judge prompt \(path)") }
        return try JudgePrompt(text: String(decoding: data, as: UTF8.self), path: path)
    }

    /// The chat messages for one comparison. The placeholders are filled in one pass, so an
    /// answer that happens to contain "{{answer_b}}" stays as written.
    public func messages(question: String, answerA: String, answerB: String) -> [(role: String, content: String)] {
        let values = ["{{question}}": question, "{{answer_a}}": answerA, "{{answer_b}}": answerB]
        var filled = ""
        var rest = Substring(user)
        while let next = Self.placeholders.compactMap({ p in rest.range(of: p).map { (p, $0) } }).min(by: { $0.1.lowerBound < $1.1.lowerBound }) {
            filled += rest[..<next.1.lowerBound]
            filled += values[next.0]!
            rest = rest[next.1.upperBound...]
        }
        filled += rest
        return (system.map { [(role: "system", content: $0)] } ?? []) + [(role: "user", content: filled)]
            + (assistantPrefix.map { [(role: "assistant", content: $0)] } ?? [])
    }

    /// The whole reply to read a verdict from: the assistant prefix, when there is one, and what the
    /// judge wrote after it (a server may or may not repeat the prefix in its reply).
    public func fullReply(_ content: String) -> String {
        guard let assistantPrefix, !content.hasPrefix(assistantPrefix) else { return content }
        return assistantPrefix + content
    }
}
