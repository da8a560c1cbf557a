import RouterCore

/// `causal-router render`: prints the exact text the scoring model reads for a query.
struct RenderCommand: CLICommand {
    static let name = "render"
    static let summary = "print the exact prompt text the model reads for a query"
    static let help = """
    USAGE: causal-router render [options] [QUERY...]

    Renders QUERY (the arguments joined by spaces; standard input when omitted or '-') through
    the scoring template and the model's chat template, and prints the exact text the model
    reads, ending where the label digit comes next. Loads only the model's vocabulary.

    OPTIONS:
    \(ModelOptions.help)
          --tokens            print the token count on stderr as well
    """

    let options: RouterOptions
    let positionals: [String]
    let wantsHelp: Bool
    let showTokens: Bool

    init(arguments: [String]) throws(CLIError) {
        let parsed = try ParsedArguments(arguments, options: ModelOptions.declared + [.init(name: "tokens", takesValue: false)],
                                         command: Self.name)
        wantsHelp = parsed.flag("help")
        showTokens = parsed.flag("tokens")
        options = try ModelOptions.read(parsed, command: Self.name)
        positionals = parsed.positionals
    }

    func run(io: CommandIO) throws(CLIError) {
        let query = try QueryInput.read(positionals, io: io)
        let setup = RouterSetup(options: options)
        do {
            let template = try setup.template()
            let model = try setup.loadModel(vocabularyOnly: true)
            let builder = try PromptBuilder(template: template, formatter: model, tokenizer: model.vocab,
                                            contextLength: options.contextLength)
            let prompt = try builder.prompt(for: query)
            io.write(prompt.text)
            if showTokens {
                io.writeError("\(prompt.tokenCount) tokens (prefix \(prompt.prefix.count), query \(prompt.query.count), suffix \(prompt.suffix.count))\(prompt.truncated ? ", truncated" : "")\n")
            }
        } catch {
            throw .router(error)
        }
    }
}
