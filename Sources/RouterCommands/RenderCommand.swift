import Foundation
import RouterCore

/// `causal-router render`: prints the exact text the scoring model reads for a query.
struct RenderCommand: CLICommand {
    static let tokens = CommandOption.flag("tokens", help: "print the token count on stderr as well")
    static let jsonl = CommandOption.flag(
        "jsonl",
        help: "many queries: each standard-input line is a JSON object with \"query\" (or \"prompt\"); prints one line per query:\n"
            + "{\"prompt\": rendered text, \"tokens\", \"prefix_tokens\", \"query_tokens\", \"suffix_tokens\", \"truncated\"}")
    static let spec = CommandSpec(
        name: "render", summary: "print the exact prompt text the model reads for a query",
        about: """
        Renders QUERY (the arguments joined by spaces; standard input when omitted or '-') through
        the scoring template and the model's chat template, and prints the exact text the model
        reads, ending where the label digit comes next. Loads only the model's vocabulary.
        """,
        options: ModelOptions.options() + [tokens, jsonl], positionals: .free("QUERY..."))

    let options: RouterOptions
    let positionals: [String]
    let showTokens: Bool
    let jsonl: Bool

    init(_ parsed: ParsedArguments) throws(CLIError) {
        showTokens = parsed.flag(Self.tokens)
        jsonl = parsed.flag(Self.jsonl)
        if jsonl && !parsed.positionals.isEmpty { throw Self.usage("--jsonl reads the queries from standard input") }
        options = try ModelOptions.read(parsed)
        positionals = parsed.positionals
    }

    func run(io: CommandIO) throws(CLIError) {
        let query = jsonl ? "" : try QueryInput.read(positionals, io: io)
        let setup = RouterSetup(options: options)
        let builder: PromptBuilder
        do {
            let model = try setup.loadModel(vocabularyOnly: true)
            builder = try PromptBuilder(template: setup.template(), formatter: model, tokenizer: model.vocab,
                                        contextLength: options.contextLength)
        } catch {
            throw .router(error)
        }
        if jsonl {
            try renderLines(builder: builder, io: io)
            return
        }
        do {
            let prompt = try builder.prompt(for: query)
            io.write(prompt.text)
            if showTokens {
                io.writeError("\(prompt.tokenCount) tokens (prefix \(prompt.prefix.count), query \(prompt.query.count), suffix \(prompt.suffix.count))\(prompt.truncated ? ", truncated" : "")\n")
            }
        } catch {
            throw .router(error)
        }
    }

    /// `--jsonl`: one rendered prompt per standard-input line.
    private func renderLines(builder: PromptBuilder, io: CommandIO) throws(CLIError) {
        let data = io.readInput()
        for (index, line) in data.split(separator: 10, omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let query = (object["query"] ?? object["prompt"]) as? String else {
                throw .input("standard input line \(index + 1): not a JSON object with a \"query\" or \"prompt\" string")
            }
            let prompt: ScoringPrompt
            do {
                prompt = try builder.prompt(for: query)
            } catch {
                throw .input("standard input line \(index + 1): \(error.description)")
            }
            io.write(JSONValue.object([
                ("prompt", .string(prompt.text)), ("tokens", .int(prompt.tokenCount)), ("prefix_tokens", .int(prompt.prefix.count)),
                ("query_tokens", .int(prompt.query.count)), ("suffix_tokens", .int(prompt.suffix.count)), ("truncated", .bool(prompt.truncated)),
            ]).serialized + "\n")
        }
    }
}
