import Foundation
import RouterCore
import Testing

/// `route` and `render` against the real default model.
@Suite(.timeLimit(.minutes(10))) struct RouteCommandTests {
    struct Verdict: Decodable {
        var model: String
        var route: String
        var label: Int
        var probabilities: [Double]
        var strong_win_rate: Double
        var expected_score: Double
        var threshold: Double
        var template: String
        var latency_ms: Double
        var truncated: Bool
        var prompt_tokens: Int
    }

    func verdict(_ arguments: [String], stdin: String = "") throws -> Verdict {
        let outcome = CLIHarness.run(["route"] + arguments, stdin: stdin)
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        #expect(outcome.stdout.hasSuffix("\n") && outcome.stdout.split(separator: "\n").count == 1)
        return try JSONDecoder().decode(Verdict.self, from: Data(outcome.stdout.utf8))
    }

    @Test func routesAQueryWithTheDefaultModel() throws {
        let v = try verdict(["What is the capital of France?"])
        #expect(v.probabilities.count == 5)
        #expect(abs(v.probabilities.reduce(0, +) - 1) < 1e-9)
        #expect(v.probabilities.allSatisfy { $0 > 0 && $0 < 1 })
        #expect((1...5).contains(v.label))
        #expect(v.probabilities[v.label - 1] == v.probabilities.max())
        #expect(abs(v.strong_win_rate - v.probabilities[0...2].reduce(0, +)) < 1e-12)
        #expect(abs(v.expected_score - zip(1...5, v.probabilities).map { Double($0) * $1 }.reduce(0, +)) < 1e-12)
        #expect(v.route == (v.strong_win_rate >= v.threshold ? "strong" : "weak"))
        #expect(v.model == (v.route == "strong" ? "gpt-4-1106-preview" : "mixtral-8x7b-instruct-v0.1"))
        #expect(v.template == "rating")
        #expect(v.latency_ms > 0)
        #expect(!v.truncated)
        #expect(v.prompt_tokens > 100)
    }

    @Test func theSameQueryTwiceGivesTheSameProbabilities() throws {
        let query = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?"
        let first = try verdict([query])
        let second = try verdict([], stdin: query)
        #expect(zip(first.probabilities, second.probabilities).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func thresholdEdgesDecideTheRoute() throws {
        #expect(try verdict(["--threshold", "0", "Hi"]).route == "strong")
        let never = try verdict(["--threshold", "1", "Hi"])
        #expect(never.route == (never.strong_win_rate >= 1 ? "strong" : "weak"))
        let config = try CLIHarness.temporaryFile("router.json", contents: #"{"strong_model":"big","weak_model":"small","threshold":0}"#)
        // Zero-shot: with the shipped head its threshold would replace the config's.
        let v = try verdict(["--config", config, "--no-head", "Hi"])
        #expect(v.model == "big" && v.route == "strong" && v.threshold == 0)
    }

    @Test func aVeryLongQueryIsTruncatedToTheContext() throws {
        // Not one sentence repeated: that is scored as one copy (RepeatedQuery).
        let query = (1...400).map { "Explain the history of European city number \($0) in detail." }.joined(separator: " ")
        let v = try verdict(["--ctx", "400", query])
        #expect(v.truncated)
        #expect(v.prompt_tokens == 400)
        #expect(abs(v.probabilities.reduce(0, +) - 1) < 1e-9)
        // Without --ctx: the engine's default context, as serve and label use.
        let byDefault = try verdict([query])
        #expect(byDefault.truncated && byDefault.prompt_tokens == ScoringEngineSettings.defaultContextLength)
    }

    @Test func renderPrintsTheExactPromptEndingBeforeTheLabel() {
        let outcome = CLIHarness.run(["render", "What is 7 times 8?"])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        #expect(outcome.stdout.hasPrefix("<|im_start|>system\n"))
        #expect(outcome.stdout.contains("<|im_start|>user\nQuestion:\nWhat is 7 times 8?<|im_end|>\n"))
        #expect(outcome.stdout.hasSuffix("<|im_start|>assistant\nRating: [["))
    }

    @Test func renderJSONLinesRendersManyQueries() throws {
        let outcome = CLIHarness.run(["render", "--jsonl"], stdin: "{\"query\": \"What is 7 times 8?\"}\n\n{\"prompt\": \"Hi\"}\n")
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        let rows = try outcome.stdout.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(rows.count == 2)
        let single = CLIHarness.run(["render", "What is 7 times 8?"]).stdout
        #expect(rows.first?["prompt"] as? String == single)
        let counts = ["prefix_tokens", "query_tokens", "suffix_tokens"].map { rows[0][$0] as? Int ?? -1 }
        #expect(rows[0]["tokens"] as? Int == counts.reduce(0, +) && rows[0]["truncated"] as? Bool == false)
        let bad = CLIHarness.run(["render", "--jsonl"], stdin: "[1]\n")
        #expect(bad.status == 1 && bad.stderr.contains("line 1"))
    }

    @Test func aRawTemplateIsFedAsWritten() throws {
        let template = try CLIHarness.temporaryFile("raw.txt", contents: "[raw]\nQuestion: {{query}}\nDifficulty (1-5): ")
        let rendered = CLIHarness.run(["render", "--template", template, "Why is the sky blue?"])
        #expect(rendered.stdout == "Question: Why is the sky blue?\nDifficulty (1-5): ")
        let v = try verdict(["--template", template, "Why is the sky blue?"])
        #expect(v.template == "raw")
        #expect(abs(v.probabilities.reduce(0, +) - 1) < 1e-9)
    }
}

/// The first queries a new user types (issue 24's table) go where every user expects, with the
/// shipped default (its obvious-cases prior, docs/heads.md round 9).
@Suite(.timeLimit(.minutes(10))) struct ObviousRequestsTests {
    func route(_ query: String) throws -> (route: String, winRate: Double) {
        let outcome = CLIHarness.run(["route", query])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        let verdict = try JSONDecoder().decode(RouteCommandTests.Verdict.self, from: Data(outcome.stdout.utf8))
        return (verdict.route, verdict.strong_win_rate)
    }

    @Test(arguments: ["hi", "Thanks!", "What is 2+2?", "Write a haiku about autumn.", "Translate 'good night' into French.",
                      "Bonjour, comment ça va ?"])
    func greetingsTriviaAndSmallRequestsGoWeak(query: String) throws {
        let verdict = try route(query)
        #expect(verdict.route == "weak", "\(query): strong win rate \(verdict.winRate)")
    }

    @Test(arguments: ["Implement a lock-free multi-producer multi-consumer queue in C++ with memory-order annotations and explain why it is linearizable.",
                      "Design a distributed rate limiter for 10 million users across 5 regions; discuss consistency trade-offs.",
                      "Prove that there are infinitely many primes of the form 4k+3."])
    func proofsConcurrencyAndSystemsDesignGoStrong(query: String) throws {
        let verdict = try route(query)
        #expect(verdict.route == "strong", "\(query): strong win rate \(verdict.winRate)")
    }
}
