import Foundation
import Glibc
import Testing

/// `causal-router label` as a real process on GSM8K rows with the real model.
@Suite(.timeLimit(.minutes(15))) struct LabelCommandTests {
    /// GSM8K rows as JSONL (id, prompt), with a broken line after row `brokenAfter` when given.
    static func log(rows: Int, brokenAfter: Int? = nil) throws -> (path: String, ids: [String]) {
        let text = try String(contentsOfFile: CLIHarness.root + "/data/routellm/gsm8k.jsonl", encoding: .utf8)
        var lines: [String] = []
        var ids: [String] = []
        for (i, line) in text.split(separator: "\n").prefix(rows).enumerated() {
            let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let small = try JSONSerialization.data(withJSONObject: ["id": row["id"]!, "prompt": row["prompt"]!], options: [.sortedKeys])
            lines.append(String(decoding: small, as: UTF8.self))
            ids.append(row["id"] as! String)
            if i + 1 == brokenAfter { lines.append("{\"id\": \"broken\", \"prompt\": ") }
        }
        return (try CLIHarness.temporaryFile("log.jsonl", contents: lines.joined(separator: "\n") + "\n"), ids)
    }

    static func outputRows(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    static func lineCount(_ path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").filter { $0 == "\n" }.count
    }

    @Test func killNineThenResumeLabelsEveryRowExactlyOnce() throws {
        let (input, ids) = try Self.log(rows: 200, brokenAfter: 100)
        let output = URL(fileURLWithPath: input).deletingLastPathComponent().appendingPathComponent("verdicts.jsonl").path
        let arguments = ["label", "--input", input, "--output", output, "--threads", "2"]

        let first = Process()
        first.executableURL = URL(fileURLWithPath: CLIHarness.executable)
        first.arguments = arguments
        first.standardError = FileHandle.nullDevice
        try first.run()
        let deadline = Date().addingTimeInterval(300)
        while Self.lineCount(output) < 30 && first.isRunning && Date() < deadline { usleep(50_000) }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal)
        let beforeResume = Self.lineCount(output)
        #expect(beforeResume >= 30 && beforeResume < 200, "killed mid-run after \(beforeResume) rows")
        // A torn last line, as a kill in the middle of a write would leave.
        let handle = try #require(FileHandle(forWritingAtPath: output))
        handle.seekToEndOfFile()
        handle.write(Data("{\"id\":\"gsm8k-torn\",\"label\":".utf8))
        try handle.close()

        let resumed = try CLIHarness.spawnLong(arguments)
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        // The resumed run scored only the rows the killed one had not finished (the torn line
        // is one of them), and counted the others as done before.
        #expect(resumed.stderr.contains("200 rows labeled (\(200 - beforeResume) in this run, \(beforeResume) from before)"),
                "stderr: \(resumed.stderr)")
        let rows = try Self.outputRows(output)
        let labeled = rows.map { $0["id"] as! String }
        #expect(labeled.count == 200)
        #expect(Set(labeled) == Set(ids), "every good row once")
        for row in rows {
            let p = row["probabilities"] as! [Double]
            #expect(p.count == 5 && abs(p.reduce(0, +) - 1) < 1e-9)
            #expect((1...5).contains(row["label"] as! Int))
            #expect(["strong", "weak"].contains(row["route"] as! String))
        }
        let errors = try Self.outputRows(output + ".errors.jsonl")
        #expect(errors.count == 1)
        #expect(errors.first?["line"] as? Int == 101)
        #expect(errors.first?["reason"] as? String == "not a JSON object")

        let again = try CLIHarness.spawnLong(arguments)
        #expect(again.status == 0)
        #expect(again.stderr.contains("200 rows labeled (0 in this run, 200 from before)"), "stderr: \(again.stderr)")
        #expect(Self.lineCount(output) == 200, "a finished run adds nothing")
    }

    @Test func shardsConcatenateToTheWholeLog() throws {
        let (input, ids) = try Self.log(rows: 24)
        var all: [String] = []
        for i in 0..<3 {
            let output = input + ".shard\(i).jsonl"
            let run = try CLIHarness.spawnLong(["label", "--input", input, "--output", output, "--shard", "\(i)/3", "--threads", "2"])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let shard = try Self.outputRows(output).map { $0["id"] as! String }
            #expect(shard.count == 8)
            all += shard
        }
        #expect(all.count == 24 && Set(all) == Set(ids))
    }

    @Test func csvAndTextInputs() throws {
        let csv = try CLIHarness.temporaryFile("log.csv", contents: "id,prompt\nq1,\"What is 2+2, really?\"\nq2,\"A question\nover two lines\"\nq3,\n")
        let csvRun = try CLIHarness.spawnLong(["label", "--input", csv, "--output", csv + ".out", "--threads", "2"])
        #expect(csvRun.status == 0, "stderr: \(csvRun.stderr)")
        #expect(try Self.outputRows(csv + ".out").map { $0["id"] as! String } == ["q1", "q2"])
        #expect(try Self.outputRows(csv + ".out.errors.jsonl").map { $0["id"] as! String } == ["q3"])

        let text = try CLIHarness.temporaryFile("log.txt", contents: "What is the capital of France?\nProve Fermat's last theorem.\n")
        let textRun = try CLIHarness.spawnLong(["label", "--input", text, "--output", text + ".out", "--threads", "2"])
        #expect(textRun.status == 0, "stderr: \(textRun.stderr)")
        #expect(try Self.outputRows(text + ".out").map { $0["id"] as! Int }.sorted() == [1, 2])
    }

    @Test func standardInputToStandardOutput() throws {
        let input = #"{"id": "a", "query": "What is 2+2?"}"# + "\n" + #"{"id": "b", "messages": [{"role": "user", "content": "Hi"}]}"# + "\n"
        let run = try CLIHarness.spawnLong(["label", "--input", "-", "--output", "-", "--threads", "2"], stdin: input)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let ids = run.stdout.split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String
        }
        #expect(ids == ["a", "b"])
        #expect(run.stderr.contains("2 rows labeled"))
    }

    @Test func strictStopsAtTheFirstBadRowAndNothingLabeledFails() throws {
        let input = try CLIHarness.temporaryFile("log.jsonl", contents: "{\"prompt\": \"fine\"}\n{oops\n{\"prompt\": \"never reached\"}\n")
        let strict = try CLIHarness.spawnLong(["label", "--input", input, "--output", input + ".out", "--strict", "--threads", "2"])
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("line 2: not a JSON object (--strict stops at the first bad row)"))
        #expect(Self.lineCount(input + ".out") == 1)

        let bad = try CLIHarness.temporaryFile("bad.jsonl", contents: "{oops\n{\"x\": 1}\n")
        let none = try CLIHarness.spawnLong(["label", "--input", bad, "--output", bad + ".out", "--threads", "2"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no row could be labeled (2 bad rows"))
        let usage = try CLIHarness.spawnLong(["label", "--input", bad])
        #expect(usage.status == 2)
    }
}
