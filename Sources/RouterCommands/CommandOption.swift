/// One command-line option, declared once: its name and short aliases, the kind of value it
/// takes (checked while parsing), its default and its help text. `CommandSpec` generates the
/// parsing, the usage errors and the `--help` text from these.
struct CommandOption: Sendable {
    /// The value an option takes; a bad value is a usage error when the command line is parsed.
    enum Kind: Sendable {
        /// No value: present or not.
        case flag
        /// Any text.
        case text
        /// Any text, repeatable; commas also separate values (`--data A,B --data C`).
        case list
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        /// One of these words.
        case choice([String])
    }

    /// What the help says when the option is not given.
    enum Default: Sendable {
        /// This value applies when the option is not given (parsed like a given one).
        case value(String)
        /// The command works the default out itself ("all cores"); only the help shows this.
        case described(String)
    }

    var name: String
    var aliases: [String] = []
    var kind: Kind
    /// The value's name in help and errors (`N`, `FILE`); empty for flags.
    var placeholder: String
    var defaultValue: Default?
    var help: String
    /// Missing it is a usage error ("CMD needs --name PLACEHOLDER").
    var required = false

    var takesValue: Bool {
        if case .flag = kind { return false }
        return true
    }

    /// `--name PLACEHOLDER`, as help and errors show it.
    var synopsis: String { "--" + name + (placeholder.isEmpty ? "" : " " + placeholder) }

    static func flag(_ name: String, alias: String? = nil, help: String) -> CommandOption {
        CommandOption(name: name, aliases: alias.map { [$0] } ?? [], kind: .flag, placeholder: "", help: help)
    }

    static func text(_ name: String, alias: String? = nil, _ placeholder: String, default defaultValue: Default? = nil,
                     required: Bool = false, help: String) -> CommandOption {
        CommandOption(name: name, aliases: alias.map { [$0] } ?? [], kind: .text, placeholder: placeholder, defaultValue: defaultValue,
                      help: help, required: required)
    }

    static func list(_ name: String, alias: String? = nil, _ placeholder: String, default defaultValue: Default? = nil,
                     required: Bool = false, help: String) -> CommandOption {
        CommandOption(name: name, aliases: alias.map { [$0] } ?? [], kind: .list, placeholder: placeholder, defaultValue: defaultValue,
                      help: help, required: required)
    }

    static func integer(_ name: String, alias: String? = nil, _ placeholder: String = "N", in range: ClosedRange<Int>,
                        default defaultValue: Default? = nil, required: Bool = false, help: String) -> CommandOption {
        CommandOption(name: name, aliases: alias.map { [$0] } ?? [], kind: .integer(range), placeholder: placeholder,
                      defaultValue: defaultValue, help: help, required: required)
    }

    static func number(_ name: String, alias: String? = nil, _ placeholder: String = "X", in range: ClosedRange<Double>,
                       default defaultValue: Default? = nil, help: String) -> CommandOption {
        CommandOption(name: name, aliases: alias.map { [$0] } ?? [], kind: .number(range), placeholder: placeholder,
                      defaultValue: defaultValue, help: help)
    }

    static func choice(_ name: String, _ placeholder: String, _ choices: [String], default defaultValue: Default? = nil,
                       help: String) -> CommandOption {
        CommandOption(name: name, kind: .choice(choices), placeholder: placeholder, defaultValue: defaultValue, help: help)
    }

    /// The same option with another default (commands share options but not always defaults).
    func defaulting(to value: Default?) -> CommandOption {
        var option = self
        option.defaultValue = value
        return option
    }

    /// The same option with other help text.
    func explained(_ help: String) -> CommandOption {
        var option = self
        option.help = help
        return option
    }

    /// Why `text` is not a value of this option, as a usage message; nil when it is one.
    func problem(with text: String) -> String? {
        switch kind {
        case .flag, .text, .list:
            return nil
        case .integer(let range):
            guard let value = Int(text), range.contains(value) else {
                return "--\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(text)'"
            }
            return nil
        case .number(let range):
            guard let value = Double(text), range.contains(value) else {
                return "--\(name) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(text)'"
            }
            return nil
        case .choice(let choices):
            guard choices.contains(text) else {
                let words = choices.count > 1 ? choices.dropLast().joined(separator: ", ") + " or " + choices.last! : choices.joined()
                return "--\(name) must be \(words), got '\(text)'"
            }
            return nil
        }
    }
}
