import Foundation
import RouterCore
import RouterLabeling

/// `causal-router label`: labels a query log, resumably.
struct LabelCommand: CLICommand {
    static let name = "label"
    static let summary = "label a query log (JSONL, CSV or text) with verdicts, resumably"
    static let help = """
    USAGE: causal-router label --input FILE --output FILE [options]

    Scores every row of a query log with the batched, prefix-sharing engine and appends one
    JSON line per row to the output:
      {"id", "label", "probabilities", "strong_win_rate", "expected_score", "route", "model", "line"}
    and "head" (the learned head in use: the shipped one by default; absent with --no-head), and
    "ood_score", "ood" when the head reports how far a query lies from its training data.
    `id` comes from the row (`id`, or --id-field), else it is the line number; `line` is the
    row's 1-based line in the input. Output order may differ from the input; every row appears
    exactly once. Bad rows (invalid JSON, no query, empty query) go to OUTPUT.errors.jsonl with
    their line and reason, and the run goes on.

    Resumable: if a run is killed (even kill -9), run the same command again: rows already in
    the output or the errors file are skipped, a torn last line is cut off, nothing is lost or
    duplicated.

    OPTIONS:
          --input FILE        the log; '-' reads standard input
          --output FILE       where verdicts are appended; '-' writes standard output (no resume)
          --format F          jsonl | csv | text (default: from the file name; jsonl for '-')
          --field PATH        JSONL: dot path of the query (default: prompt, query or messages,
                              an OpenAI chat list); CSV: the column (default: prompt, query,
                              question or text)
          --id-field PATH     where the row's id is (default: id)
          --shard i/n         label only rows with (line - 1) mod n = i; n machines running
                              0/n ... n-1/n produce outputs that concatenate to the whole
          --errors FILE       where bad rows go (default: OUTPUT.errors.jsonl; stderr for '-')
          --strict            stop at the first bad row (exit 1)
      -np, --parallel N       queries in flight (8x queued); with --continuous-batching
                              decoded together (default: 16)
      -b, --batch-size N      most tokens per decode call (default: 128: a long query is decoded
                              in chunks of it, which bounds the compute buffer)
          --continuous-batching  decode several queries together; by default each query is
                              decoded alone so its verdict is the same at any --parallel, run
                              after run, and equal to `route`'s (docs/reproducibility.md)
    \(ModelOptions.help.replacingOccurrences(of: "(default: \(ScoringEngineSettings.defaultContextLength))", with: "per row (default: \(ScoringEngineSettings.defaultContextLength))"))

    EXIT STATUS: 0 when rows were labeled (bad rows alone do not fail a run), 1 with --strict
    on a bad row, when nothing could be labeled, or on an error; 2 bad command line.
    """

    static let extraOptions: [ParsedArguments.Option] = [
        .init(name: "input"), .init(name: "output"), .init(name: "format"), .init(name: "field"), .init(name: "id-field"),
        .init(name: "shard"), .init(name: "errors"), .init(name: "strict", takesValue: false),
        .init(name: "parallel", aliases: ["-np"]), .init(name: "batch-size", aliases: ["-b"]),
        .init(name: "continuous-batching", takesValue: false),
    ]

    let router: RouterOptions
    let label: LabelOptions
    let engine: ScoringEngineSettings
    let wantsHelp: Bool

    init(arguments: [String]) throws(CLIError) {
        let parsed = try ParsedArguments(arguments, options: ModelOptions.declared + Self.extraOptions, command: Self.name)
        wantsHelp = parsed.flag("help")
        router = try ModelOptions.read(parsed, command: Self.name)
        guard wantsHelp || parsed.positionals.isEmpty else {
            throw .usage("label takes --input and --output, not '\(parsed.positionals[0])'", command: Self.name)
        }
        let input = parsed.value("input"), output = parsed.value("output")
        guard wantsHelp || (input != nil && output != nil) else {
            throw .usage("label needs --input FILE and --output FILE ('-' for standard input/output)", command: Self.name)
        }
        var label = LabelOptions(input: input ?? "-", output: output ?? "-")
        if let format = parsed.value("format") {
            guard let known = InputFormat(rawValue: format) else {
                throw .usage("--format must be jsonl, csv or text, got '\(format)'", command: Self.name)
            }
            label.format = known
        }
        label.field = parsed.value("field")
        label.idField = parsed.value("id-field")
        label.errorsPath = parsed.value("errors")
        label.strict = parsed.flag("strict")
        if let shard = parsed.value("shard") {
            do {
                label.shard = try LabelOptions.parseShard(shard)
            } catch {
                throw .usage(error.description, command: Self.name)
            }
        }
        if label.output != "-" && label.output == label.input {
            throw .usage("--output must not be the input file", command: Self.name)
        }
        self.label = label
        engine = try EngineOptions.read(parsed, command: Self.name, threads: router.threads, defaultParallel: 16)
    }

    func run(io: CommandIO) throws(CLIError) {
        let setup = RouterSetup(options: router)
        let config: RoutingConfig
        let engine: ScoringEngine
        do {
            var settings = self.engine
            settings.head = try setup.head()
            config = try setup.config(head: settings.head)
            let template = try setup.template()
            engine = try ScoringEngine(model: setup.loadModel(), template: template, settings: setup.withPrefixStore(settings))
        } catch {
            throw .router(error)
        }
        defer { engine.shutdown() }
        let runner = LabelRunner(options: label, engine: engine, config: config, writeStatus: io.writeError)
        do {
            io.writeError(try runner.run().report + "\n")
        } catch {
            throw .server(error.description)
        }
    }
}
