/// A command line parsed against a `CommandSpec`: `--name value`, `--name=value`, short aliases
/// (`-m value`) and `--` are understood. Unknown options, missing values, values of the wrong
/// kind, missing required options and unexpected arguments are usage errors, found here; the
/// accessors then read checked values (a declared `.value` default when the option is absent).
/// With `--help`, the required options and the arguments are not checked.
struct ParsedArguments {
    let spec: CommandSpec
    private var declared: [String: CommandOption] = [:]
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []

    init(_ arguments: [String], spec: CommandSpec) throws(CLIError) {
        self.spec = spec
        var byName: [String: CommandOption] = [:]
        for option in spec.allOptions {
            declared[option.name] = option
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
            guard let option = byName[key] else { throw spec.usage("unknown option \(key)") }
            if option.takesValue {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < arguments.count else { throw spec.usage("--\(option.name) needs a value") }
                    value = arguments[index]
                    index += 1
                }
                if let problem = option.problem(with: value) { throw spec.usage(problem) }
                values[option.name, default: []].append(value)
            } else {
                guard inlineValue == nil else { throw spec.usage("--\(option.name) takes no value") }
                flags.insert(option.name)
            }
        }
        guard !wantsHelp else { return }
        switch spec.positionals {
        case .none:
            if let first = positionals.first { throw spec.usage("\(spec.name) takes no arguments, got '\(first)'") }
        case .free:
            break
        case .sameAs(let name):
            values[name, default: []] += positionals
            positionals = []
        }
        let missing = spec.options.filter(\.required)
        if missing.contains(where: { values[$0.name] == nil }) {
            throw spec.usage("\(spec.name) needs " + missing.map(\.synopsis).joined(separator: " and "))
        }
    }

    /// True when `--help` was asked for instead of running.
    var wantsHelp: Bool { flags.contains(CommandSpec.helpOption.name) }

    /// True when the option was on the command line.
    func given(_ option: CommandOption) -> Bool { values[option.name] != nil || flags.contains(option.name) }

    /// The option's value (the last one when it is given several times), else its `.value`
    /// default (as the command declares it; `option`'s own when the command does not declare it).
    func value(_ option: CommandOption) -> String? {
        if let given = values[option.name]?.last { return given }
        if case .value(let text)? = (declared[option.name] ?? option).defaultValue { return text }
        return nil
    }

    /// Every value of a repeatable option, in order; commas also separate values.
    func list(_ option: CommandOption) -> [String] {
        (values[option.name] ?? []).flatMap { $0.split(separator: ",").map(String.init) }
    }

    func flag(_ option: CommandOption) -> Bool { flags.contains(option.name) }

    /// An `.integer` option's value (checked while parsing).
    func integer(_ option: CommandOption) -> Int? { value(option).flatMap { Int($0) } }

    /// A `.number` option's value (checked while parsing).
    func number(_ option: CommandOption) -> Double? { value(option).flatMap { Double($0) } }
}
