/// A command's declaration: its name, one-line summary, what it does, its options and what it
/// takes after them. `ParsedArguments` parses and checks a command line against it and `help`
/// is generated from it, so the options and their help cannot drift apart.
struct CommandSpec: Sendable {
    /// What a command takes besides its options.
    enum Positionals: Sendable {
        /// Nothing: anything else is a usage error.
        case none
        /// Free arguments (e.g. the query's words), shown in the usage line as `name`.
        case free(String)
        /// More values of this option (`train A.jsonl B.jsonl` = `--data A.jsonl,B.jsonl`).
        case sameAs(String)
    }

    var name: String
    var summary: String
    /// The paragraphs after the usage line: what the command does (not its options).
    var about: String
    var options: [CommandOption]
    var positionals: Positionals = .none
    /// What the exit codes mean, when the command says.
    var exitStatus: String?

    /// Every command understands `-h` and `--help`.
    static let helpOption = CommandOption.flag("help", alias: "-h", help: "show this help")

    /// The declared options and `--help`.
    var allOptions: [CommandOption] { options + [Self.helpOption] }

    func usage(_ text: String) -> CLIError { .usage(text, command: name) }

    /// The usage line: the required options, `[options]`, then the free arguments.
    var usageLine: String {
        var parts = ["causal-router", name] + options.filter(\.required).map(\.synopsis) + ["[options]"]
        if case .free(let words) = positionals { parts.append("[\(words)]") }
        return parts.joined(separator: " ")
    }

    /// The `--help` text.
    var help: String {
        var text = "USAGE: \(usageLine)\n\n\(about)\n\nOPTIONS:\n"
        text += allOptions.map(Self.helpLines).joined(separator: "\n")
        if let exitStatus { text += "\n\nEXIT STATUS: \(exitStatus)" }
        return text
    }

    /// Where help text starts, and how wide lines get.
    static let helpColumn = 26, lineWidth = 100

    /// One option's help: `  -m, --model NAME|PATH   help...`, wrapped under the help column.
    static func helpLines(_ option: CommandOption) -> String {
        let alias = option.aliases.first.map { $0 + ", " } ?? ""
        var left = String(repeating: " ", count: max(2, 6 - alias.count)) + alias + option.synopsis
        var help = option.help
        switch option.defaultValue {
        case .value(let value)?, .described(let value)?: help += " (default: \(value))"
        case nil: break
        }
        var lines: [String] = []
        if left.count > helpColumn - 2 {
            lines.append(left)
            left = ""
        }
        var line = left.padding(toLength: helpColumn, withPad: " ", startingAt: 0)
        // A newline in the help starts a new line; otherwise words wrap at the line width.
        for (index, paragraph) in help.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if index > 0 {
                lines.append(line)
                line = String(repeating: " ", count: helpColumn)
            }
            var lineHasWords = false
            for word in paragraph.split(separator: " ") {
                if lineHasWords && line.count + 1 + word.count > lineWidth {
                    lines.append(line)
                    line = String(repeating: " ", count: helpColumn)
                    lineHasWords = false
                }
                line += (lineHasWords ? " " : "") + word
                lineHasWords = true
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }
}
