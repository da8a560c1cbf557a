import Foundation
import RouterCore
import RouterLabeling

/// `causal-router label`: labels a query log, resumably.
struct LabelCommand: CLICommand {
    static let input = CommandOption.text("input", "FILE", required: true, help: "the log; '-' reads standard input")
    static let output = CommandOption.text(
        "output", "FILE", required: true, help: "where verdicts are appended; '-' writes standard output (no resume)")
    static let format = CommandOption.choice(
        "format", "F", InputFormat.allCases.map(\.rawValue), default: .described("from the file name; jsonl for '-'"), help: "jsonl | csv | text")
    static let field = CommandOption.text(
        "field", "PATH",
        help: "JSONL: dot path of the query (default: prompt, query or messages, an OpenAI chat list); CSV: the column "
            + "(default: prompt, query, question or text)")
    static let idField = CommandOption.text("id-field", "PATH", default: .described("id"), help: "where the row's id is")
    static let shard = CommandOption.text(
        "shard", "i/n",
        help: "label only rows with (line - 1) mod n = i; n machines running 0/n ... n-1/n produce outputs that "
            + "concatenate to the whole")
    static let errors = CommandOption.text(
        "errors", "FILE", default: .described("OUTPUT.errors.jsonl; stderr for '-'"), help: "where bad rows go")
    static let strict = CommandOption.flag("strict", help: "stop at the first bad row (exit 1)")

    static let spec = CommandSpec(
        name: "label", summary: "label a query log (JSONL, CSV or text) with verdicts, resumably",
        about: """
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
        """,
        options: [input, output, format, field, idField, shard, errors, strict,
                  EngineOptions.parallel.defaulting(to: .value("16")).explained(
                      "queries in flight (8x queued); with --continuous-batching decoded together"),
                  EngineOptions.batchSize, EngineOptions.continuousBatching]
            + ModelOptions.options(contextPer: "row"),
        exitStatus: """
        0 when rows were labeled (bad rows alone do not fail a run), 1 with --strict
        on a bad row, when nothing could be labeled, or on an error; 2 bad command line.
        """)

    let router: RouterOptions
    let label: LabelOptions
    let engine: ScoringEngineSettings

    init(_ parsed: ParsedArguments) throws(CLIError) {
        router = try ModelOptions.read(parsed)
        var label = LabelOptions(input: parsed.value(Self.input) ?? "-", output: parsed.value(Self.output) ?? "-")
        label.format = parsed.value(Self.format).flatMap(InputFormat.init(rawValue:))
        label.field = parsed.value(Self.field)
        label.idField = parsed.value(Self.idField)
        label.errorsPath = parsed.value(Self.errors)
        label.strict = parsed.flag(Self.strict)
        if let shard = parsed.value(Self.shard) {
            do {
                label.shard = try LabelOptions.parseShard(shard)
            } catch {
                throw Self.usage(error.description)
            }
        }
        if label.output != "-" && label.output == label.input {
            throw Self.usage("--output must not be the input file")
        }
        self.label = label
        engine = EngineOptions.read(parsed, threads: router.threads)
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
