import Foundation
import Glibc
import RouterCore
import RouterJudging
import TestSupport
import Testing

/// `causal-router judge` as the built binary against a real judge: llama.cpp's llama-server on
/// SmolLM2 (with a prompt it answers with verdicts), killed with SIGKILL mid-run and resumed.
@Suite(.serialized, .timeLimit(.minutes(10))) struct JudgeBinaryTests {
    private static let server = Result { try LlamaServerProcess(alias: "judge") }

    /// A judge file naming the real server as the strong tier, and the small model's prompt.
    private static func judgeFiles(in folder: String) throws -> (judge: String, prompt: String) {
        let server = try server.get()
        let judge = folder + "/judge.json", prompt = folder + "/prompt.txt"
        try "{\"strong\": \(server.upstreamJSON), \"weak\": \(server.upstreamJSON)}".write(toFile: judge, atomically: true, encoding: .utf8)
        try JudgeFixture.smallModelPrompt.write(toFile: prompt, atomically: true, encoding: .utf8)
        return (judge, prompt)
    }

    @Test func aRealJudgeJudgesEachPairInBothOrders() throws {
        let folder = try JudgeFixture.folder()
        let (judge, prompt) = try Self.judgeFiles(in: folder)
        try JudgeFixture.write(try JudgeFixture.gsm8kRecords(3) + [JudgeFixture.record(id: "lonely", query: "Hi", answers: ["weak": "Hello"])],
                               to: folder + "/in.jsonl")
        let run = try ChildProcess.run(ServeProcess.executable, [
            "judge", "--input", folder + "/in.jsonl", "--output", folder + "/out.jsonl", "--judge", judge, "--prompt", prompt,
            "--max-tokens", "16", "--summary", folder + "/summary.json",
        ], directory: RepositoryFixture.root, timeout: .seconds(400))
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try JudgeFixture.rows(folder + "/out.jsonl"), errors = try JudgeFixture.rows(folder + "/out.jsonl.errors.jsonl")
        #expect(rows.count + errors.count == 3, "every judgeable record once; errors: \(errors)")
        #expect(rows.count >= 1, "SmolLM2 answers the prefilled prompt with verdicts; errors: \(errors)")
        for row in rows {
            let judge = try #require(row["judge"] as? [String: Any])
            let verdicts = try #require(judge["verdicts"] as? [String])
            #expect(verdicts.count == 2 && verdicts.allSatisfy { JudgeVerdict(token: $0) != nil })
            let judgement = PairwiseJudgement(strongFirst: JudgeVerdict(token: verdicts[0])!, weakFirst: JudgeVerdict(token: verdicts[1])!)
            #expect(judge["margins"] as? [Int] == judgement.margins)
            #expect(row["label"] as? Int == judgement.label)
            #expect((judge["calls"] as? Int ?? 0) >= 2 && judge["model"] as? String == "judge")
            #expect(((judge["usage"] as? [String: Any])?["prompt_tokens"] as? Int ?? 0) > 0, "the server's usage is counted")
        }
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as? [String: Any])
        #expect(summary["rows"] as? Int == rows.count && summary["skipped"] as? Int == 1)
        #expect((summary["judge_calls"] as? Int ?? 0) >= 2 * rows.count && (summary["prompt_tokens"] as? Int ?? 0) > 0)
        #expect(run.stderr.contains("judge: \(rows.count) rows") && run.stderr.contains("the two orders disagree on"))
    }

    /// kill -9 while rows are being judged, a torn line at the end of the output, then the same
    /// command again: every record ends up exactly once.
    @Test func killedWithSIGKILLAndRunAgainJudgesEveryRecordOnce() throws {
        let folder = try JudgeFixture.folder()
        let (judge, prompt) = try Self.judgeFiles(in: folder)
        let records = try JudgeFixture.gsm8kRecords(6)
        try JudgeFixture.write(records, to: folder + "/in.jsonl")
        let output = folder + "/out.jsonl", errors = output + ".errors.jsonl"
        let arguments = ["judge", "--input", folder + "/in.jsonl", "--output", output, "--judge", judge, "--prompt", prompt,
                         "--max-tokens", "16", "--parallel", "2"]
        let first = try ChildProcess(ServeProcess.executable, arguments, directory: RepositoryFixture.root)
        let started = try waitUntil(.seconds(300), every: .milliseconds(50)) {
            try JudgeFixture.rows(output).count + JudgeFixture.rows(errors).count >= 1
        }
        try #require(started, "no row within 300 s; stderr: \(first.stderr)")
        first.signal(SIGKILL)
        try #require(first.waitForExit(timeout: .seconds(30)))
        #expect(first.status == -SIGKILL)
        let before = try JudgeFixture.rows(output).count + JudgeFixture.rows(errors).count
        try #require(before < records.count, "the run finished before it was killed: use more records")
        // What a kill in the middle of a write would leave.
        let handle = try #require(FileHandle(forWritingAtPath: output))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"id": "gsm8k-torn", "label"#.utf8))
        try handle.close()

        let second = try ChildProcess.run(ServeProcess.executable, arguments, directory: RepositoryFixture.root, timeout: .seconds(400))
        #expect(second.status == 0, "\(second.stderr)")
        let ids = try (JudgeFixture.rows(output) + JudgeFixture.rows(errors)).map { $0["id"] as! String }
        #expect(ids.sorted() == (0..<records.count).map { "gsm8k-\($0)" }.sorted(), "each record once: \(ids)")
        #expect(second.stderr.contains("from before"), "\(second.stderr)")
    }

    @Test func badCommandLinesAreUsageErrors() throws {
        let folder = try JudgeFixture.folder()
        try JudgeFixture.write([JudgeFixture.record(id: "r", query: "q", answers: ["strong": "a", "weak": "b"])], to: folder + "/in.jsonl")
        func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try ChildProcess.run(ServeProcess.executable, ["judge"] + arguments, directory: RepositoryFixture.root, timeout: .seconds(60))
        }
        let base = ["--input", folder + "/in.jsonl", "--output", folder + "/out.jsonl"]
        let noJudge = try run(base)
        #expect(noJudge.status == 2 && noJudge.stderr.contains("--judge FILE"), "\(noJudge.stderr)")
        let both = try run(base + ["--reference", "metadata.reference", "--judge", "x.json"])
        #expect(both.status == 2 && both.stderr.contains("leave out --judge"), "\(both.stderr)")
        let sameTier = try run(base + ["--reference", "a", "--strong-tier", "x", "--weak-tier", "x"])
        #expect(sameTier.status == 2, "\(sameTier.stderr)")
        let missingFile = try run(base + ["--judge", folder + "/nope.json"])
        #expect(missingFile.status == 1 && missingFile.stderr.contains("cannot read the file"), "\(missingFile.stderr)")
        let missingInput = try run(["--input", folder + "/nope.jsonl", "--output", folder + "/o.jsonl", "--reference", "a"])
        #expect(missingInput.status == 1 && missingInput.stderr.contains("cannot read the input"), "\(missingInput.stderr)")
        let help = try run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("--reference FIELD") && help.stdout.contains("[[A>>B]]"))
    }
}
