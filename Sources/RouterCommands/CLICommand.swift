/// A subcommand: declares itself (`spec`: name, summary, options with their help), reads its
/// parsed and checked arguments in `init`, then does its work in `run`.
protocol CLICommand {
    static var spec: CommandSpec { get }
    init(_ arguments: ParsedArguments) throws(CLIError)
    func run(io: CommandIO) throws(CLIError)
}

extension CLICommand {
    /// A usage error of this command (exit code 2).
    static func usage(_ text: String) -> CLIError { spec.usage(text) }
}
