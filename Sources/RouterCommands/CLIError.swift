import RouterCore

/// Why a command failed, rendered as one line on stderr with a non-zero exit code.
public enum CLIError: Error, Equatable {
    /// The command line itself is wrong (exit code 2).
    case usage(String, command: String?)
    /// The command ran and failed (exit code 1).
    case router(RouterError)
    case input(String)
    /// A long-running command (serve, label) failed.
    case server(String)

    public var exitCode: Int32 {
        if case .usage = self { return 2 }
        return 1
    }

    public var message: String {
        switch self {
        case .usage(let text, let command):
            return "\(text) (see `causal-router \(command.map { $0 + " " } ?? "")--help`)"
        case .router(let error):
            return error.description
        case .input(let text), .server(let text):
            return text
        }
    }
}
