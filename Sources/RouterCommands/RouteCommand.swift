import Foundation
import RouterCore

/// `causal-router route`: scores one query and prints the routing verdict as JSON.
struct RouteCommand: CLICommand {
    static let spec = CommandSpec(
        name: "route", summary: "score one query and print the routing verdict as JSON",
        about: """
        Reads QUERY (the arguments joined by spaces; standard input when omitted or '-') with the
        scoring model, predicts the 1-5 label (5 = the weak model answers as well as the strong one)
        and prints one JSON verdict:
          {"model", "route": "strong"|"weak", "label", "probabilities": [p1..p5], "strong_win_rate",
           "expected_score", "threshold", "template", "head", "ood_score", "ood", "latency_ms", "truncated",
           "prompt_tokens", "fallback": false, "cached": false}
        (the same verdict /v1/route returns; there a fallback has "fallback": true, its "reason"
        and null scores, and "cached" says a distribution came from the verdict cache).
        strong_win_rate = p1+p2+p3; the route is strong when strong_win_rate >= threshold.
        head is the learned head's name (the shipped one for the model and template by default,
        or --head), null for the template's zero-shot label logits (--no-head).
        ood_score (0-1) says how far the query lies from the head's training data (the share of held-out
        training rows that were closer; null without such a head); ood is true past the head's
        threshold, and then the config's ood_route decides (strong by default, weak, or model).
        latency_ms covers tokenizing and the forward pass, not loading the model.
        """,
        options: ModelOptions.options(), positionals: .free("QUERY..."),
        exitStatus: "0 verdict printed, 1 the query could not be routed, 2 bad command line.")

    let options: RouterOptions
    let positionals: [String]

    init(_ parsed: ParsedArguments) throws(CLIError) {
        options = try ModelOptions.read(parsed)
        positionals = parsed.positionals
    }

    func run(io: CommandIO) throws(CLIError) {
        let query = try QueryInput.read(positionals, io: io)
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .router(.emptyQuery) }
        let setup = RouterSetup(options: options)
        do {
            let head = try setup.head()
            let config = try setup.config(head: head)
            let engine = try setup.makeEngine(head: head)
            defer { engine.shutdown() }
            let start = ContinuousClock.now
            let scored = try engine.score(query)
            let verdict = config.verdict(for: scored, template: engine.templateName,
                                         latencyMs: (ContinuousClock.now - start).milliseconds)
            io.write(verdict.json.serialized + "\n")
        } catch {
            throw .router(error)
        }
    }
}
