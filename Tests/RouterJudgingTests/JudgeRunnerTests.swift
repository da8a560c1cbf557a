import Foundation
import RouterCore
import RouterJudging
import RouterProxy
import TestSupport
import Testing

/// The runner in this process over real sockets: a recording stub upstream as the judge, for what
/// a real model will not do on demand (a fixed verdict, garbage, no answer at all), and grading
/// by reference.
@Suite(.serialized, .timeLimit(.minutes(5))) struct JudgeRunnerTests {
    @Test func eachPairIsJudgedInBothOrders() throws {
        let folder = try JudgeFixture.folder()
        let stub = try StubUpstream(completion: "A explains more. [[A>B]]")
        try JudgeFixture.write([JudgeFixture.record(id: "r-1", query: "What is 2+2?", answers: ["strong": "STRONG-4", "weak": "WEAK-5"])],
                               to: folder + "/in.jsonl")
        var options = JudgeOptions(input: folder + "/in.jsonl", output: folder + "/out.jsonl")
        options.parallel = 1
        let summary = try JudgeRunner(options: options, client: JudgeFixture.client(stub, maxTokens: 100), writeStatus: { _ in }).run()

        let requests = try stub.requests.map { try $0.json() }
        try #require(requests.count == 2)
        func user(_ request: [String: Any]) -> String {
            ((request["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
        }
        let first = user(requests[0]), second = user(requests[1])
        #expect(first.range(of: "STRONG-4")!.lowerBound < first.range(of: "WEAK-5")!.lowerBound, "first call: A is the strong answer")
        #expect(second.range(of: "WEAK-5")!.lowerBound < second.range(of: "STRONG-4")!.lowerBound, "second call: A is the weak answer")
        #expect(stub.requests.allSatisfy { $0.path == "/v1/chat/completions" })
        #expect(requests.allSatisfy { $0["model"] as? String == "judge-model" && $0["temperature"] as? Int == 0 && $0["max_tokens"] as? Int == 100 })

        // "A>B" both times: the judge prefers whichever answer comes first, and the orders cancel.
        let row = try #require(try JudgeFixture.rows(folder + "/out.jsonl").first)
        let judge = try #require(row["judge"] as? [String: Any])
        #expect(judge["verdicts"] as? [String] == ["A>B", "A>B"] && judge["margins"] as? [Int] == [-1, 1] && judge["d"] as? Int == 0)
        #expect(row["label"] as? Int == 5 && row["score_scale"] as? String == "pairwise")
        #expect((row["strong"] as? [String: Any])?["score"] as? Double == 0.5)
        #expect(row["benchmark"] as? String == "traffic" && row["contaminated"] as? Bool == false && row["time"] as? String == "2026-12-07T03:00:00Z")
        #expect(row["split"] as? String == IDHash.split(id: "r-1"))
        #expect(summary.ordersDisagree == 1 && summary.ordersOpposite == 1 && summary.calls == 2 && summary.promptTokens == 10)
    }

    @Test func anUnparseableVerdictIsAskedAgainOnceThenWrittenToTheErrorsFile() throws {
        let folder = try JudgeFixture.folder()
        let stub = try StubUpstream(completion: "Both answers have merit and I cannot choose.")
        try JudgeFixture.write([JudgeFixture.record(id: "r-1", query: "Hi", answers: ["strong": "Hello!", "weak": "Hi."])],
                               to: folder + "/in.jsonl")
        let options = JudgeOptions(input: folder + "/in.jsonl", output: folder + "/out.jsonl")
        let summary = try JudgeRunner(options: options, client: JudgeFixture.client(stub), writeStatus: { _ in }).run()
        #expect(stub.requestCount == 2, "the first order, then once more")
        #expect(try JudgeFixture.rows(folder + "/out.jsonl").isEmpty)
        let error = try #require(try JudgeFixture.rows(folder + "/out.jsonl.errors.jsonl").first)
        #expect(error["id"] as? String == "r-1" && error["source"] as? String == "in.jsonl:1")
        #expect((error["reason"] as? String)?.hasPrefix("unparseable verdict") == true)
        #expect((error["replies"] as? [String])?.count == 2 && error["calls"] as? Int == 2)
        #expect(summary.errors == 1 && summary.rows == 0 && summary.calls == 2)

        // Run again: the record is in the errors file, so it is not judged again.
        let again = try JudgeRunner(options: options, client: JudgeFixture.client(stub), writeStatus: { _ in }).run()
        #expect(stub.requestCount == 2 && again.errors == 1 && again.calls == 2)
    }

    @Test func anUnreachableJudgeStopsTheRunAndLeavesTheRecordForTheNextOne() throws {
        let folder = try JudgeFixture.folder()
        let stub = try StubUpstream(completion: "[[A=B]]")
        let port = stub.port
        stub.stop()   // nothing listens there now
        try JudgeFixture.write([JudgeFixture.record(id: "r-1", query: "Hi", answers: ["strong": "Hello!", "weak": "Hi."])],
                               to: folder + "/in.jsonl")
        var options = JudgeOptions(input: folder + "/in.jsonl", output: folder + "/out.jsonl")
        options.retryDelays = [.milliseconds(10), .milliseconds(10)]
        let client = JudgeClient(endpoint: UpstreamEndpoint(name: "strong", baseURL: "http://127.0.0.1:\(port)/v1", model: "m"),
                                 timeouts: UpstreamTimeouts(connectMs: 1_000, firstByteMs: 5_000, totalMs: 10_000),
                                 prompt: try JudgePrompt.load(path: RepositoryFixture.root + "/prompts/judge-pairwise.txt"), maxTokens: 64)
        #expect {
            try JudgeRunner(options: options, client: client, writeStatus: { _ in }).run()
        } throws: { error in
            guard case JudgeError.judgeUnavailable(let reason) = error else { return false }
            return reason.contains("connection refused")
        }
        #expect(try JudgeFixture.rows(folder + "/out.jsonl").isEmpty && JudgeFixture.rows(folder + "/out.jsonl.errors.jsonl").isEmpty)
    }

    @Test func referenceGradingNeedsNoJudge() throws {
        let folder = try JudgeFixture.folder()
        let records = [
            JudgeFixture.record(id: "both", query: "6 x 7?", answers: ["strong": "6 x 7 = 42", "weak": "#### 42"],
                                metadata: [("reference", .string("42"))]),
            JudgeFixture.record(id: "strong-only", query: "6 x 7?", answers: ["strong": "It is 42.", "weak": "It is 48."],
                                metadata: [("reference", .int(42)), ("category", .string("math"))]),
            JudgeFixture.record(id: "choice", query: "Which?", answers: ["strong": "The answer is (B).", "weak": "B"],
                                metadata: [("reference", .string("C"))]),
            JudgeFixture.record(id: "free-text", query: "Capital?", answers: ["strong": "Paris", "weak": "Lyon"],
                                metadata: [("reference", .string("Paris"))]),
            JudgeFixture.record(id: "no-reference", query: "Hi", answers: ["strong": "Hello", "weak": "Hi"]),
            JudgeFixture.record(id: "one-answer", query: "Hi", answers: ["weak": "Hi"]),
            JudgeFixture.record(id: "both", query: "again", answers: ["strong": "1", "weak": "2"]),
        ]
        try JudgeFixture.write(records, to: folder + "/in.jsonl")
        var options = JudgeOptions(input: folder + "/in.jsonl", output: folder + "/out.jsonl")
        options.referenceField = "metadata.reference"
        let summary = try JudgeRunner(options: options, client: nil, writeStatus: { _ in }).run()
        let rows = Dictionary(uniqueKeysWithValues: try JudgeFixture.rows(folder + "/out.jsonl").map { ($0["id"] as! String, $0) })
        #expect(rows["both"]?["label"] as? Int == 5 && rows["strong-only"]?["label"] as? Int == 1 && rows["choice"]?["label"] as? Int == 3)
        #expect(rows["strong-only"]?["score_scale"] as? String == "correct" && rows["strong-only"]?["category"] as? String == "math")
        #expect((rows["strong-only"]?["weak"] as? [String: Any])?["score"] as? Int == 0)
        #expect((rows["strong-only"]?["reference"] as? [String: Any])?["weak_answer"] as? String == "48")
        let errors = try JudgeFixture.rows(folder + "/out.jsonl.errors.jsonl").map { $0["id"] as! String }
        #expect(Set(errors) == ["free-text", "no-reference"])
        #expect(summary.rows == 3 && summary.graded == 3 && summary.errors == 2 && summary.skipped == 1 && summary.duplicates == 1)
        #expect(summary.calls == 0)
    }

    @Test func tiersNamedOtherwiseAreRefusedUnlessNamed() throws {
        let folder = try JudgeFixture.folder()
        try FileManager.default.createDirectory(atPath: folder + "/records", withIntermediateDirectories: true)
        try JudgeFixture.write([JudgeFixture.record(id: "t-1", query: "1+1?", answers: ["small": "2", "large": "#### 2"],
                                                    metadata: [("reference", .int(2))])], to: folder + "/records/records-2.jsonl")
        try JudgeFixture.write([JudgeFixture.record(id: "t-0", query: "1+2?", answers: ["small": "4", "large": "3", "medium": "3"],
                                                    metadata: [("reference", .int(3))])], to: folder + "/records/records-1.jsonl")
        var options = JudgeOptions(input: folder + "/records", output: folder + "/out.jsonl")
        options.referenceField = "metadata.reference"
        options.parallel = 1
        let refused = try JudgeRunner(options: options, client: nil, writeStatus: { _ in }).run()
        #expect(refused.errors == 2 && refused.rows == 0)
        let reasons = try JudgeFixture.rows(folder + "/out.jsonl.errors.jsonl").compactMap { $0["reason"] as? String }
        #expect(reasons.allSatisfy { $0.contains("--strong-tier") })

        options.output = folder + "/named.jsonl"
        options.strongTier = "large"
        options.weakTier = "small"
        let named = try JudgeRunner(options: options, client: nil, writeStatus: { _ in }).run()
        let rows = try JudgeFixture.rows(folder + "/named.jsonl")
        #expect(named.rows == 2 && rows.map { $0["id"] as! String } == ["t-0", "t-1"], "the folder's files in name order")
        #expect(rows.map { $0["label"] as! Int } == [1, 5])
        #expect((rows[0]["strong"] as? [String: Any])?["model"] as? String == "large")
    }

    /// `serve --record` appends to its newest file while `judge` reads the folder: a last line
    /// without its newline is a record still being written, left for the next run. A file named
    /// alone is read to its end (hand-made files often lack the last newline).
    @Test func aRecordStillBeingWrittenIsLeftForTheNextRun() throws {
        let folder = try JudgeFixture.folder()
        try FileManager.default.createDirectory(atPath: folder + "/records", withIntermediateDirectories: true)
        let complete = JudgeFixture.record(id: "done", query: "1+1?", answers: ["strong": "2", "weak": "2"], metadata: [("reference", .int(2))])
        let writing = JudgeFixture.record(id: "writing", query: "2+2?", answers: ["strong": "4", "weak": "5"], metadata: [("reference", .int(4))])
        let path = folder + "/records/records-1.jsonl"
        try (complete + "\n" + writing.prefix(40)).write(toFile: path, atomically: true, encoding: .utf8)
        var options = JudgeOptions(input: folder + "/records", output: folder + "/out.jsonl")
        options.referenceField = "metadata.reference"
        let first = try JudgeRunner(options: options, client: nil, writeStatus: { _ in }).run()
        #expect(first.rows == 1 && first.errors == 0 && first.unfinished == 1)

        try (complete + "\n" + writing + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let second = try JudgeRunner(options: options, client: nil, writeStatus: { _ in }).run()
        #expect(second.rows == 2 && second.rowsNow == 1 && second.errors == 0 && second.unfinished == 0)

        try (complete + "\n" + writing).write(toFile: folder + "/alone.jsonl", atomically: true, encoding: .utf8)
        var alone = JudgeOptions(input: folder + "/alone.jsonl", output: folder + "/alone-out.jsonl")
        alone.referenceField = "metadata.reference"
        #expect(try JudgeRunner(options: alone, client: nil, writeStatus: { _ in }).run().rows == 2)
    }

    @Test func shardsSplitTheRecordsWithoutOverlap() throws {
        let folder = try JudgeFixture.folder()
        let records = (0..<30).map { JudgeFixture.record(id: "s-\($0)", query: "q", answers: ["strong": "1", "weak": "1"],
                                                           metadata: [("reference", .int(1))]) }
        try JudgeFixture.write(records, to: folder + "/in.jsonl")
        var ids: [String] = []
        for index in 0..<3 {
            var options = JudgeOptions(input: folder + "/in.jsonl", output: folder + "/out-\(index).jsonl")
            options.referenceField = "metadata.reference"
            options.shard = (index, 3)
            _ = try JudgeRunner(options: options, client: nil, writeStatus: { _ in }).run()
            ids += try JudgeFixture.rows(options.output).map { $0["id"] as! String }
        }
        #expect(ids.count == 30 && Set(ids).count == 30)
    }
}
