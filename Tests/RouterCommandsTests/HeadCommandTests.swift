import Foundation
import Testing

/// Learned heads end to end with the real model: `train`, `--head` on route/label/eval, refusals.
@Suite(.timeLimit(.minutes(15))) struct HeadCommandTests {
    static let data = CLIHarness.root + "/data/routellm"
    static let shippedHead = CLIHarness.root + "/models/heads/smollm2-135m-iq4_nl-rating.json"

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The issue's bar: on the GSM8K test split the shipped head routes better than the
    /// template's zero-shot label logits; both come from the same forward pass, computed here.
    @Test func theShippedHeadBeatsZeroShotOnGSM8KTest() throws {
        let cache = try CLIHarness.temporaryFile("marker", contents: "") + ".cache"
        let run = try CLIHarness.spawnLong(["eval", "--data", Self.data + "/gsm8k.jsonl", "--head", Self.shippedHead, "--json",
                                        "--cache", cache, "--threads", "2"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Self.json(run.stdout)
        #expect(report["n"] as? Int == 287)
        let routers = try #require(report["routers"] as? [String: [String: Any]])
        let zeroShot = try #require(routers["smollm2-135m-iq4_nl:rating"]?["apgr"] as? Double)
        let head = try #require(routers["smollm2-135m-iq4_nl:rating+smollm2-135m-iq4_nl-rating"]?["apgr"] as? Double)
        let random = try #require(routers["random"]?["apgr"] as? Double)
        #expect(head > zeroShot, "head APGR \(head) vs zero-shot \(zeroShot)")
        #expect(head > random + 0.05, "head APGR \(head) vs random \(random)")
    }

    @Test func trainWritesAHeadThatRouteUsesAndOtherTemplatesRefuse() throws {
        let folder = URL(fileURLWithPath: try CLIHarness.temporaryFile("marker", contents: "")).deletingLastPathComponent().path
        let head = folder + "/mt-head.json"
        let train = try CLIHarness.spawnLong(["train", "--data", Self.data + "/mt_bench.jsonl", "--out", head, "--epochs", "40",
                                          "--cache", folder + "/cache", "--threads", "2"])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        #expect(train.stdout.contains("<- chosen") && train.stdout.contains("wrote \(head): head 'mt-head', 55 train rows"))
        let file = try Self.json(try String(contentsOfFile: head, encoding: .utf8))
        #expect(file["feature_size"] as? Int == 576 + 5)
        #expect((file["model_sha256"] as? String)?.count == 64 && (file["template_sha256"] as? String)?.count == 64)
        let training = try #require(file["training"] as? [String: String])
        #expect(training["data"] == "mt_bench.jsonl:train" && training["rows"] == "55")
        let threshold = try #require(file["threshold"] as? Double)

        let route = try CLIHarness.spawnLong(["route", "--head", head, "--threads", "2", "Write a haiku about autumn."])
        #expect(route.status == 0, "stderr: \(route.stderr)")
        let verdict = try Self.json(route.stdout)
        #expect(verdict["head"] as? String == "mt-head")
        #expect(abs((verdict["threshold"] as? Double ?? -1) - threshold) < 1e-12, "the head's threshold replaces the config's")
        let p = try #require(verdict["probabilities"] as? [Double])
        #expect(p.count == 5 && abs(p.reduce(0, +) - 1) < 1e-6)
        let zeroShot = try Self.json(try CLIHarness.spawnLong(["route", "--no-head", "--threads", "2", "Write a haiku about autumn."]).stdout)
        #expect(zeroShot["head"] is NSNull && zeroShot["ood_score"] is NSNull)
        // Without flags the shipped head for the default model and template is used.
        let byDefault = try Self.json(try CLIHarness.spawnLong(["route", "--threads", "2", "Write a haiku about autumn."]).stdout)
        #expect(byDefault["head"] as? String == "smollm2-135m-iq4_nl-rating")
        #expect((byDefault["ood_score"] as? Double).map { (0...1).contains($0) } == true && byDefault["ood"] is Bool)
        #expect(zeroShot["probabilities"] as? [Double] != p)

        // --threshold still wins over the head's.
        let pinned = try Self.json(try CLIHarness.spawnLong(["route", "--head", head, "--threshold", "0.25", "--threads", "2", "Hi"]).stdout)
        #expect(pinned["threshold"] as? Double == 0.25)

        // Trained for rating.txt: another template is refused, clearly.
        let other = try CLIHarness.spawnLong(["route", "--head", head, "--template", CLIHarness.root + "/prompts/difficulty.txt", "Hi"])
        #expect(other.status == 1)
        #expect(other.stderr.contains("was trained for another template") && other.stderr.contains("causal-router train"))
        #expect(other.stderr.split(separator: "\n").count == 1)

        // A head claiming another model is refused by every command that takes --head.
        let forged = folder + "/forged.json"
        let text = try String(contentsOfFile: head, encoding: .utf8)
        let sha = try #require(file["model_sha256"] as? String)
        try text.replacingOccurrences(of: sha, with: String(repeating: "0", count: 64)).write(toFile: forged, atomically: true, encoding: .utf8)
        let queries = try CLIHarness.temporaryFile("q.txt", contents: "What is 2+2?\n")
        for arguments in [["route", "--head", forged, "Hi"],
                          ["label", "--head", forged, "--input", queries, "--output", folder + "/out.jsonl"],
                          ["eval", "--head", forged, "--data", Self.data + "/mt_bench.jsonl", "--cache", folder + "/cache"]] {
            let refused = try CLIHarness.spawnLong(arguments)
            #expect(refused.status == 1, "\(arguments[0])")
            #expect(refused.stderr.contains("was trained for another model"), "\(arguments[0]): \(refused.stderr)")
        }
        let broken = try CLIHarness.temporaryFile("broken.json", contents: "{\"weights\": []}")
        let invalid = try CLIHarness.spawnLong(["route", "--head", broken, "Hi"])
        #expect(invalid.status == 1 && invalid.stderr.contains("invalid head file"))
        #expect(try CLIHarness.spawnLong(["train", "--data", Self.data + "/mt_bench.jsonl", "--target", "both"]).status == 2)
    }

    /// `--features ...,query-end`: the head reads at the query's last token, so neither `train`
    /// nor the commands that use the head decode the template's suffix.
    @Test func aHeadReadingAtTheQueryEndSkipsTheSuffixEverywhere() throws {
        let folder = URL(fileURLWithPath: try CLIHarness.temporaryFile("marker", contents: "")).deletingLastPathComponent().path
        let head = folder + "/end-head.json"
        let train = try CLIHarness.spawnLong(["train", "--data", Self.data + "/mt_bench.jsonl", "--out", head, "--epochs", "40",
                                          "--features", "final,logits,query-end", "--target", "strong_better",
                                          "--cache", folder + "/cache", "--threads", "2"])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        let file = try Self.json(try String(contentsOfFile: head, encoding: .utf8))
        #expect(file["format"] as? String == "causal-router-label-head/3")
        #expect((file["features"] as? [String: Any])?["position"] as? String == "query_end")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/cache").contains { $0.contains("-qe-f2") },
                "features read at the query's end are cached apart")

        let query = "Write a haiku about autumn."
        let atEnd = try Self.json(try CLIHarness.spawnLong(["route", "--head", head, "--threads", "2", query]).stdout)
        let atLabel = try Self.json(try CLIHarness.spawnLong(["route", "--threads", "2", query]).stdout)
        #expect(atEnd["head"] as? String == "end-head")
        let suffix = try #require(atLabel["prompt_tokens"] as? Int) - #require(atEnd["prompt_tokens"] as? Int)
        #expect(suffix == 10, "the rating template's suffix (10 tokens) is not decoded")

        // eval prints the head's row, and no zero-shot row read where no label digit comes next.
        let eval = try CLIHarness.spawnLong(["eval", "--data", Self.data + "/mt_bench.jsonl", "--head", head, "--json",
                                         "--cache", folder + "/cache", "--threads", "2"])
        #expect(eval.status == 0, "stderr: \(eval.stderr)")
        let routers = try #require(try Self.json(eval.stdout)["routers"] as? [String: Any])
        #expect(routers["smollm2-135m-iq4_nl:rating+end-head"] != nil && routers["smollm2-135m-iq4_nl:rating"] == nil, "\(routers.keys)")
    }

    /// The frontier's early-exit heads ship for the cut copies `truncate` writes: the copy must
    /// come out byte for byte as when the head was trained (the head checks its SHA-256), and a
    /// cut model's head is found by the same name rule as the default's.
    @Test func theShippedEarlyExitHeadRoutesWithTheCopyTruncateWrites() throws {
        let folder = URL(fileURLWithPath: try CLIHarness.temporaryFile("marker", contents: "")).deletingLastPathComponent().path
        let cut = folder + "/smollm2-135m-b8.gguf"
        let truncate = try CLIHarness.spawnLong(["truncate", "--layers", "8", "--out", cut, "--model", "smollm2-135m"])
        #expect(truncate.status == 0, "stderr: \(truncate.stderr)")
        let run = try CLIHarness.spawnLong(["route", "--model", cut, "--threads", "2", "Write a haiku about autumn."])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let verdict = try Self.json(run.stdout)
        #expect(verdict["head"] as? String == "smollm2-135m-b8-rating", "found as models/heads/<model>-<template>.json")
        let full = try Self.json(try CLIHarness.spawnLong(["route", "--threads", "2", "Write a haiku about autumn."]).stdout)
        #expect((full["prompt_tokens"] as? Int).map { $0 - 10 } == verdict["prompt_tokens"] as? Int, "it reads at the query's end")
    }

    /// `train --teacher`: the shipped head, on the default model, teaches a head on a cut copy
    /// of it; ungraded prompts need no grade; the student routes with the cut model; a teacher
    /// that does not fit its model is refused before any forward pass.
    @Test func trainWithATeacherDistilsItIntoAHeadOnACutModel() throws {
        let folder = URL(fileURLWithPath: try CLIHarness.temporaryFile("marker", contents: "")).deletingLastPathComponent().path
        let cut = folder + "/cut-b6.gguf", student = folder + "/student.json"
        #expect(try CLIHarness.spawnLong(["truncate", "--layers", "6", "--out", cut]).status == 0)
        let prompts = ["hi there!", "What's a good name for a goldfish?", "Prove that there are infinitely many primes.",
                       "Write a lock-free queue in C++ and explain its memory ordering.", "thanks, that helped",
                       "Plan a three-day trip to Rome for two on a budget.", "What is 7 times 8?",
                       "Design a sharded, replicated log store and argue its consistency guarantees."]
        let ungraded = prompts.enumerated().map { i, prompt in
            #"{"id": "u-\#(i)", "benchmark": "mine", "prompt": "\#(prompt)", "strong": {"model": "ungraded", "score": 0.5}, "#
                + #""weak": {"model": "ungraded", "score": 0.5}, "score_scale": "ungraded", "label": 3, "contaminated": false, "split": "train"}"#
        }.joined(separator: "\n") + "\n"
        let mine = try CLIHarness.temporaryFile("mine.jsonl", contents: ungraded)
        let train = try CLIHarness.spawnLong(["train", "--teacher", Self.shippedHead, "--model", cut, "--features", "b3,query-end",
                                              "--teacher-template", CLIHarness.root + "/prompts/rating.txt",
                                              "--data", Self.data + "/mt_bench.jsonl", "--data", mine, "--out", student,
                                              "--cache", folder + "/cache", "--threads", "2"])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        #expect(train.stdout.contains("<- chosen") && train.stdout.contains("63 train rows"), "\(train.stdout)")
        let file = try Self.json(try String(contentsOfFile: student, encoding: .utf8))
        #expect(file["target"] as? String == "strong_better" && file["feature_size"] as? Int == 576)
        let training = try #require(file["training"] as? [String: String])
        #expect(training["teacher"] == "smollm2-135m-iq4_nl-rating.json" && training["teacher_model"] == "smollm2-135m-iq4_nl")
        #expect(training["teacher_template"] == "rating.txt")
        #expect(training["l2_grid"] == "1.0,10.0,100.0,1000.0,10000.0")
        let route = try CLIHarness.spawnLong(["route", "--model", cut, "--head", student, "--threads", "2", "What is 7 times 8?"])
        #expect(route.status == 0, "stderr: \(route.stderr)")
        #expect(try Self.json(route.stdout)["head"] as? String == "student")

        // A network student (`--student-hidden`), with prompts only the student's fit sees.
        let network = folder + "/network.json"
        let fit = try CLIHarness.spawnLong(["train", "--teacher", Self.shippedHead, "--model", cut, "--features", "b3,query-end",
                                            "--teacher-template", CLIHarness.root + "/prompts/rating.txt",
                                            "--data", Self.data + "/mt_bench.jsonl", "--teacher-prompts", mine,
                                            "--student-hidden", "4", "--student-members", "2", "--out", network,
                                            "--cache", folder + "/cache", "--threads", "2"])
        #expect(fit.status == 0, "stderr: \(fit.stderr)")
        #expect(fit.stdout.contains("<- chosen") && fit.stdout.contains("63 train rows"), "\(fit.stdout)")
        let networkFile = try Self.json(try String(contentsOfFile: network, encoding: .utf8))
        #expect(networkFile["format"] as? String == "causal-router-label-head/4")
        #expect(((networkFile["hidden"] as? [String: Any])?["bias"] as? [Any])?.count == 8, "2 networks of 4 units")
        let networkTraining = try #require(networkFile["training"] as? [String: String])
        #expect(networkTraining["teacher_prompts"] == "mine.jsonl:train" && networkTraining["l2_grid"] == "0.001,0.1")
        let networkRoute = try CLIHarness.spawnLong(["route", "--model", cut, "--head", network, "--threads", "2", "What is 7 times 8?"])
        #expect(networkRoute.status == 0, "stderr: \(networkRoute.stderr)")

        // The teacher head does not fit another model: refused, nothing written.
        let wrongModel = try CLIHarness.spawnLong(["train", "--teacher", Self.shippedHead, "--teacher-model", "smollm2-135m",
                                                   "--model", cut, "--features", "b3,query-end", "--data", mine,
                                                   "--out", folder + "/refused.json", "--cache", folder + "/cache"])
        #expect(wrongModel.status == 1 && wrongModel.stderr.contains("smollm2-135m-iq4_nl-rating.json"), "\(wrongModel.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/refused.json"))
        for bad in [["--teacher-weight", "0.5"], ["--teacher-template", "prompts/rating.txt"], ["--teacher", Self.shippedHead, "--experts", "--data", mine],
                    ["--teacher", Self.shippedHead, "--target", "label"], ["--teacher", Self.shippedHead, "--teacher-weight", "2"],
                    ["--student-hidden", "8"], ["--teacher-prompts", mine], ["--teacher", Self.shippedHead, "--student-members", "2"]] {
            let run = try CLIHarness.spawnLong(["train", "--data", Self.data + "/mt_bench.jsonl"] + bad)
            #expect(run.status == 2, "\(bad): \(run.stderr)")
        }
    }

    /// `train --obvious ... --gate-hidden N --gate-members K`: the prior's gate gets a hidden layer
    /// of N x K units (format 4), `route` reads it, and the options are refused without what they need.
    @Test func trainPutsAPriorWithAHiddenLayerOnAHead() throws {
        let folder = URL(fileURLWithPath: try CLIHarness.temporaryFile("marker", contents: "")).deletingLastPathComponent().path
        // A few train rows of each class keep the feature extraction short.
        let rows = try String(contentsOfFile: CLIHarness.root + "/data/obvious/obvious_cases.jsonl", encoding: .utf8)
            .split(separator: "\n").filter { $0.contains(#""split": "train""#) }
        let easy = rows.filter { $0.contains(#""class": "easy""#) }.prefix(12), hard = rows.filter { $0.contains(#""class": "hard""#) }.prefix(12)
        let obvious = folder + "/obvious.jsonl"
        try (easy + hard).joined(separator: "\n").appending("\n").write(toFile: obvious, atomically: true, encoding: .utf8)
        let base = CLIHarness.root + "/models/heads/smollm2-135m-iq4_nl-rating-no-prior.json"
        let head = folder + "/hidden-gate.json"
        let train = try CLIHarness.spawnLong(["train", "--base", base, "--obvious", obvious, "--data", Self.data + "/mt_bench.jsonl",
                                              "--gate-hidden", "8", "--gate-members", "2", "--l2", "0.01", "--epochs", "60",
                                              "--out", head, "--cache", folder + "/cache", "--threads", "2"])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        let file = try Self.json(try String(contentsOfFile: head, encoding: .utf8))
        let prior = try #require(file["obvious_prior"] as? [String: Any])
        let gate = try #require(prior["gate"] as? [String: Any])
        #expect(gate["format"] as? String == "causal-router-label-head/4")
        let hidden = try #require(gate["hidden"] as? [String: Any])
        #expect((hidden["weights"] as? [[Double]])?.count == 16 && (hidden["weights"] as? [[Double]])?.first?.count == 576 + 5)
        #expect((gate["weights"] as? [[Double]])?.first?.count == 16)
        let training = try #require(file["training"] as? [String: String])
        #expect(training["obvious_prior_gate"] == "16 rectified units (2 networks of 8 averaged)", "\(training)")
        let route = try CLIHarness.spawnLong(["route", "--head", head, "--threads", "2", "hi"])
        #expect(route.status == 0, "stderr: \(route.stderr)")
        #expect(try Self.json(route.stdout)["head"] as? String == "hidden-gate")

        for (bad, message) in [(["--gate-hidden", "8"], "go with --obvious"),
                               (["--obvious", obvious, "--gate-members", "2"], "--gate-members goes with --gate-hidden"),
                               (["--obvious", obvious, "--gate-hidden", "-1"], "--gate-hidden must be")] {
            let run = try CLIHarness.spawnLong(["train", "--data", Self.data + "/mt_bench.jsonl"] + bad)
            #expect(run.status == 2 && run.stderr.contains(message), "\(bad): \(run.stderr)")
        }
    }

    @Test func trainWithAugmentAddsManipulatedCopiesLabeledLikeTheirOriginals() throws {
        let folder = URL(fileURLWithPath: try CLIHarness.temporaryFile("marker", contents: "")).deletingLastPathComponent().path
        let phrases = folder + "/phrases.json"
        try #"{"upgrade": ["This is extremely hard."], "repeat": [[2, "\n"]]}"#.write(toFile: phrases, atomically: true, encoding: .utf8)
        let head = folder + "/augmented.json"
        let train = try CLIHarness.spawnLong(["train", "--data", Self.data + "/mt_bench.jsonl", "--out", head, "--epochs", "40",
                                          "--augment", phrases, "--cache", folder + "/cache", "--threads", "2"])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        #expect(train.stdout.contains("wrote \(head): head 'augmented', 110 train rows"), "\(train.stdout)")
        let training = try #require(try Self.json(try String(contentsOfFile: head, encoding: .utf8))["training"] as? [String: String])
        #expect(training["augment"] == "phrases.json x1" && training["rows"] == "110")

        let missing = try CLIHarness.spawnLong(["train", "--data", Self.data + "/mt_bench.jsonl", "--augment", folder + "/none.json"])
        #expect(missing.status == 1 && missing.stderr.contains("--augment: cannot read"), "\(missing.stderr)")
        let orphan = try CLIHarness.spawnLong(["train", "--data", Self.data + "/mt_bench.jsonl", "--augment-copies", "2"])
        #expect(orphan.status == 2 && orphan.stderr.contains("--augment-copies needs --augment"), "\(orphan.stderr)")
    }

    @Test func labelWithTheShippedHeadNamesItOnEveryLine() throws {
        let input = try CLIHarness.temporaryFile("q.txt", contents: "What is 2+2?\nProve that there are infinitely many primes.\n")
        let output = URL(fileURLWithPath: input).deletingLastPathComponent().appendingPathComponent("out.jsonl").path
        let run = try CLIHarness.spawnLong(["label", "--input", input, "--output", output, "--head", Self.shippedHead, "--threads", "2"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let row = try Self.json(String(line))
            #expect(row["head"] as? String == "smollm2-135m-iq4_nl-rating")
        }

        // Calibrating on that log sets the head's threshold, not the config's.
        let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
        let config = folder + "/router.json"
        try #"{"threshold": 0.5}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let inUse = try CLIHarness.spawnLong(["calibrate", "--input", output, "--write-config", "--config", config])
        #expect(inUse.status == 1 && inUse.stderr.contains("is in use") && inUse.stderr.contains("--no-head"), "\(inUse.stderr)")
        let refused = try CLIHarness.spawnLong(["calibrate", "--input", output, "--write-config", "--config", config, "--no-head"])
        #expect(refused.status == 1 && refused.stderr.contains("labeled with the head 'smollm2-135m-iq4_nl-rating'"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == #"{"threshold": 0.5}"#)
        let copy = folder + "/head.json"
        try FileManager.default.copyItem(atPath: Self.shippedHead, toPath: copy)
        let calibrated = try CLIHarness.spawnLong(["calibrate", "--input", output, "--head", copy, "--write-head", "--strong-fraction", "0.5"])
        #expect(calibrated.status == 0, "stderr: \(calibrated.stderr)")
        let rates = try lines.map { try #require(try Self.json(String($0))["strong_win_rate"] as? Double) }
        let stored = try #require(try Self.json(try String(contentsOfFile: copy, encoding: .utf8))["threshold"] as? Double)
        #expect(rates.filter { $0 >= stored }.count == 1, "half of the two rows routes strong")
    }
}
