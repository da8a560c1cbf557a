/// A command line split into options, flags and positional arguments, against a declared set
/// of options. `--name value`, `--name=value`, short aliases (`-m value`) and `--` are understood.
struct ParsedArguments {
    struct Option {
        var name: String
        var aliases: [String] = []
        var takesValue = true
    }

    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []

    init(_ arguments: [String], options: [Option], command: String) throws(CLIError) {
        var byName: [String: Option] = [:]
        for option in options {
            byName["--" + option.name] = option
            for alias in option.aliases { byName[alias] = option }
        }
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || argument == "-" || !argument.hasPrefix("-") {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            var key = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                key = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            guard let option = byName[key] else { throw .usage("unknown option \(key)", command: command) }
            if option.takesValue {
                if let inlineValue {
                    values[option.name, default: []].append(inlineValue)
                } else {
                    guard index < arguments.count else { throw .usage("--\(option.name) needs a value", command: command) }
                    values[option.name, default: []].append(arguments[index])
                    index += 1
                }
            } else {
                guard inlineValue == nil else { throw .usage("--\(option.name) takes no value", command: command) }
                flags.insert(option.name)
            }
        }
    }

    /// The option's value (the last one when it is given several times).
    func value(_ name: String) -> String? { values[name]?.last }

    /// Every value of a repeatable option, in order; commas also separate values.
    func list(_ name: String) -> [String] {
        (values[name] ?? []).flatMap { $0.split(separator: ",").map(String.init) }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    func integer(_ name: String, in range: ClosedRange<Int>, command: String) throws(CLIError) -> Int? {
        guard let text = value(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw .usage("--\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(text)'", command: command)
        }
        return value
    }

    func number(_ name: String, in range: ClosedRange<Double>, command: String) throws(CLIError) -> Double? {
        guard let text = value(name) else { return nil }
        guard let value = Double(text), range.contains(value) else {
            throw .usage("--\(name) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(text)'", command: command)
        }
        return value
    }
}
