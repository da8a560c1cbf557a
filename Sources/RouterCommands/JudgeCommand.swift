import Foundation
import RouterCore
import RouterJudging
import RouterLabeling
import RouterProxy

/// `causal-router judge`: turns recorded traffic that holds two tiers' answers into routing-data
/// rows (data/README.md's schema), with an LLM judge or a reference answer, resumably.
struct JudgeCommand: CLICommand {
    static let input = CommandOption.text(
        "input", "PATH", required: true,
        help: "the records: a JSONL file, or a folder whose records-*.jsonl files are read in name order (serve --record's; "
            + "a file's last line without its newline is still being written and is left for a later run)")
    static let output = CommandOption.text("output", "FILE", required: true, help: "where rows are appended (JSONL)")
    static let judge = CommandOption.text(
        "judge", "FILE",
        help: "the judge: an upstreams file (serve --upstreams' format: \"strong\"/\"weak\" or \"tiers\", base_url of any "
            + "OpenAI-compatible API, model, api_key_env, timeouts); needed unless --reference")
    static let judgeTier = CommandOption.text(
        "judge-tier", "NAME", default: .described("strong; with tiers, the largest"), help: "which of the file's tiers judges")
    static let prompt = CommandOption.text(
        "prompt", "FILE", default: .described("prompts/judge-pairwise.txt"),
        help: "the judge's instructions: [system], [user] with {{question}}, {{answer_a}} and {{answer_b}} once each, and "
            + "optionally [assistant], the start of the reply for servers that continue it (llama-server; not OpenAI's API)")
    static let maxTokens = CommandOption.integer(
        "max-tokens", in: 16...32_768, default: .value("512"), help: "the most tokens the judge may write per verdict (its reason, then the verdict)")
    static let reference = CommandOption.text(
        "reference", "FIELD",
        help: "grade by exact match with the reference answer at this dotted path of the record (e.g. metadata.reference): "
            + "a number (each answer's final number: after ####, in \\boxed{}, else its last one) or a letter A-E "
            + "(\"answer is (C)\", a lone letter); no judge calls. Records without a usable reference go to the errors file")
    static let strongTier = CommandOption.text("strong-tier", "NAME", default: .value("strong"), help: "the tier in `answers` whose answer is the strong one")
    static let weakTier = CommandOption.text("weak-tier", "NAME", default: .value("weak"), help: "the tier in `answers` whose answer is the weak one")
    static let errors = CommandOption.text(
        "errors", "FILE", default: .described("OUTPUT.errors.jsonl"),
        help: "where records that cannot be judged go, one line each: id, source (file:line), reason, the judge's unreadable replies")
    static let summary = CommandOption.text("summary", "FILE", help: "also write the summary here as JSON")
    static let shard = CommandOption.text(
        "shard", "i/n", help: "judge only records whose id hashes (SHA-256) to shard i of n; n machines' outputs concatenate to the whole")
    static let parallel = CommandOption.integer(
        "parallel", in: 1...256, default: .value("2"), help: "records judged at once (each makes its two judge calls in turn)")

    static let spec = CommandSpec(
        name: "judge", summary: "turn recorded traffic with two tiers' answers into routing data (LLM judge or reference)",
        about: """
        Reads records (serve --record's: one JSON object a line with "id", "time", "query",
        "answers" {tier: answer text}, "metadata"; "prompt" or "messages" stand in for "query") and
        appends one row per record that holds answers from both --strong-tier and --weak-tier, in
        data/README.md's schema, so `train` and `eval` read it:
          {"id", "benchmark" ("traffic" unless the record says), "prompt", "strong": {"model", "score"},
           "weak": {"model", "score"}, "score_scale", "label", "contaminated": false, "split", "time",
           "category" (when the record's metadata has one), and "judge" or "reference"}
        A tier's model is the record's "models".<tier> when given, else the tier's name. `split` is
        the data's rule: "test" when the id's SHA-256 begins below 0.2 x 2^32, else "train".

        The judge (--judge) compares the two answers to the user's question with the prompt in
        --prompt, at temperature 0, twice: once with the strong answer as A, once with the weak one
        as A, to cancel its position bias. Its reply ends with a verdict, [[A>>B]], [[A>B]], [[A=B]],
        [[B>A]] or [[B>>A]] (the last one in the reply counts); each gives d, the weak answer's margin
        over the strong one (-2...2), and the row's d is the mean of the two. score_scale "pairwise":
        strong score 0.5 - d/4, weak 0.5 + d/4; label 5 if d >= 0, 4 if d >= -0.5, 3 if d >= -1,
        2 if d >= -1.5, else 1. "judge" holds the model, both verdicts (strong-first order first),
        each order's d ("margins"), d, the calls and their tokens. A reply without a verdict is asked
        again once, then the record goes to the errors file with the replies. A judge that cannot be
        reached, or answers 5xx/429/408, is retried after 2, 10 and 30 s; then the run stops (exit 1)
        and the same command goes on later.

        With --reference FIELD there is no judge: each answer's final answer is compared with the
        reference; score_scale "correct" (scores 1/0), label 5 when the weak answer is right, 3 when
        both are wrong, 1 when only the strong one is.

        Records with fewer than two answers are skipped (counted, not errors). A record with two or
        more answers but not from both named tiers goes to the errors file (name them with
        --strong-tier and --weak-tier, e.g. small and large), as do records without an id or a query.

        Resumable: if a run is killed (even kill -9), run the same command again: records already in
        the output or the errors file are skipped, a torn last line is cut off; every record ends up
        exactly once. Output order may differ from the input. Progress goes to stderr, and a summary
        at the end: rows, labels, errors, skipped records, judge calls and tokens, how often the two
        orders disagree (signs differ, a tie against a preference included), point opposite ways or
        differ at all, and seconds per row.
        """,
        options: [input, output, judge, judgeTier, prompt, maxTokens, reference, strongTier, weakTier, errors, summary,
                  shard, parallel],
        exitStatus: """
        0 when the records were gone through (bad records alone do not
        fail a run), 1 when the judge stayed unavailable, on unreadable input or output, or on a bad
        judge file or prompt; 2 bad command line.
        """)

    let options: JudgeOptions
    let judgePath: String?
    let judgeTierName: String?
    let promptPath: String?
    let maxTokenCount: Int

    init(_ parsed: ParsedArguments) throws(CLIError) {
        var options = JudgeOptions(input: parsed.value(Self.input) ?? "", output: parsed.value(Self.output) ?? "")
        options.errorsPath = parsed.value(Self.errors)
        options.summaryPath = parsed.value(Self.summary)
        options.strongTier = parsed.value(Self.strongTier) ?? "strong"
        options.weakTier = parsed.value(Self.weakTier) ?? "weak"
        options.referenceField = parsed.value(Self.reference)
        options.parallel = parsed.integer(Self.parallel) ?? 2
        if let shard = parsed.value(Self.shard) {
            do {
                options.shard = try LabelOptions.parseShard(shard)
            } catch {
                throw Self.usage(error.description)
            }
        }
        guard options.strongTier != options.weakTier else { throw Self.usage("--strong-tier and --weak-tier must differ") }
        if let field = options.referenceField, field.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            throw Self.usage("--reference must be a dotted path of field names, got '\(field)'")
        }
        let files = [options.output, options.resolvedErrorsPath] + (options.summaryPath.map { [$0] } ?? [])
        if files.contains(options.input) { throw Self.usage("--output, --errors and --summary must not be the input") }
        if options.output == options.resolvedErrorsPath { throw Self.usage("--errors must not be the output file") }
        judgePath = parsed.value(Self.judge)
        judgeTierName = parsed.value(Self.judgeTier)
        promptPath = parsed.value(Self.prompt)
        maxTokenCount = parsed.integer(Self.maxTokens) ?? 512
        if options.referenceField == nil && judgePath == nil {
            throw Self.usage("judge needs --judge FILE (the judge's upstreams file), or --reference FIELD to grade by a reference answer")
        }
        if options.referenceField != nil && (judgePath != nil || judgeTierName != nil || promptPath != nil) {
            throw Self.usage("--reference grades without a judge: leave out --judge, --judge-tier and --prompt")
        }
        self.options = options
    }

    /// The judge: the named tier of the judge file (strong, or the largest tier, by default).
    private func client() throws(CLIError) -> JudgeClient? {
        guard let judgePath else { return nil }
        let config: UpstreamConfig
        do {
            config = try UpstreamConfig.load(path: judgePath)
        } catch {
            throw .input(error.description)
        }
        let tiers = config.tiers
        let wanted = judgeTierName ?? (config.isTwoTier ? "strong" : tiers.last!.name)
        guard let tier = tiers.first(where: { $0.name == wanted }) else {
            throw .input("the judge file \(judgePath) has no tier \"\(wanted)\" (it has \(tiers.map(\.name).joined(separator: ", ")))")
        }
        let promptFile = promptPath ?? ResourceLocator().home + "/prompts/judge-pairwise.txt"
        let prompt: JudgePrompt
        do {
            prompt = try JudgePrompt.load(path: promptFile)
        } catch {
            throw .input(error.description)
        }
        if let reason = OpenAIProxy.transportUnavailability { throw .server("cannot reach the judge: \(reason)") }
        return JudgeClient(endpoint: tier.upstream, timeouts: config.timeouts, prompt: prompt, maxTokens: maxTokenCount)
    }

    func run(io: CommandIO) throws(CLIError) {
        let runner = JudgeRunner(options: options, client: try client(), writeStatus: io.writeError)
        do {
            io.writeError(try runner.run().report + "\n")
        } catch {
            throw .server(error.description)
        }
    }
}
