/// A subcommand: parses and validates its arguments in `init`, then does its work in `run`.
protocol CLICommand {
    static var name: String { get }
    static var summary: String { get }
    static var help: String { get }
    init(arguments: [String]) throws(CLIError)
    /// True when `--help` was asked for instead of running.
    var wantsHelp: Bool { get }
    func run(io: CommandIO) throws(CLIError)
}
