/// The `causal-router` command line: dispatches to a subcommand and turns every failure into
/// one line on stderr and a non-zero exit code.
public enum CausalRouterCLI {
    static var commands: [any CLICommand.Type] { [RouteCommand.self, RenderCommand.self, ServeCommand.self, LabelCommand.self, JudgeCommand.self, EvalCommand.self, CalibrateCommand.self, TrainCommand.self, TruncateCommand.self, QuantizeCommand.self] }

    static var help: String {
        let list = commands.map { "  \($0.spec.name.padding(toLength: 10, withPad: " ", startingAt: 0))\($0.spec.summary)" }
            .joined(separator: "\n")
        return """
        causal-router: a local LLM router. It reads a query with a small causal LLM (llama.cpp),
        predicts how well a cheap model would answer it (label 1-5) and picks the strong or the
        weak model.

        USAGE: causal-router <command> [options]

        COMMANDS:
        \(list)

        Run `causal-router <command> --help` for a command's options.
        """
    }

    /// Runs the command line and returns the process exit code.
    public static func run(_ arguments: [String], io: CommandIO = .standard) -> Int32 {
        guard let name = arguments.first, name != "--help", name != "-h", name != "help" else {
            if arguments.count > 1, arguments[0] == "help", let command = commands.first(where: { $0.spec.name == arguments[1] }) {
                io.write(command.spec.help + "\n")
                return 0
            }
            io.write(help + "\n")
            return arguments.isEmpty ? 2 : 0
        }
        guard let type = commands.first(where: { $0.spec.name == name }) else {
            return fail(.usage("unknown command '\(name)'", command: nil), io: io)
        }
        do {
            let parsed = try ParsedArguments(Array(arguments.dropFirst()), spec: type.spec)
            if parsed.wantsHelp {
                io.write(type.spec.help + "\n")
                return 0
            }
            try type.init(parsed).run(io: io)
            return 0
        } catch {
            return fail(error, io: io)
        }
    }

    private static func fail(_ error: CLIError, io: CommandIO) -> Int32 {
        io.writeError("causal-router: error: \(error.message)\n")
        return error.exitCode
    }
}
