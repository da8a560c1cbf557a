import Foundation

/// The query of `route` and `render`: the positional arguments joined by spaces, or all of
/// standard input when there are none (or the only one is `-`).
enum QueryInput {
    static func read(_ positionals: [String], io: CommandIO) throws(CLIError) -> String {
        if positionals.isEmpty || positionals == ["-"] {
            guard let text = String(data: io.readInput(), encoding: .utf8) else {
                throw .input("standard input is not UTF-8 text")
            }
            return text
        }
        return positionals.joined(separator: " ")
    }
}
