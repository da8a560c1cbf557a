import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `eval` and `calibrate` end to end with the real model.
@Suite(.timeLimit(.minutes(15))) struct EvalCommandTests {
    static let data = CLIHarness.root + "/data/routellm"

    @Test func evalOnMTBenchEndToEndWithPlotAndCache() throws {
        let cache = try CLIHarness.temporaryFile("marker", contents: "") + ".cache"
        let plot = cache + ".svg"
        let arguments = ["eval", "--data", Self.data + "/mt_bench.jsonl", "--json", "--plot", plot, "--cache", cache, "--threads", "2",
                         "--no-head"]
        let first = try CLIHarness.spawnLong(arguments)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        #expect(report["benchmark"] as? String == "mt_bench")
        let n = try #require(report["n"] as? Int)
        #expect(n > 5 && n < 30, "the test split of the 72 decontaminated rows")
        let routers = try #require(report["routers"] as? [String: [String: Any]])
        #expect(Set(routers.keys) == ["smollm2-135m-iq4_nl:rating", "random", "length (longer->strong)", "length (shorter->strong)", "oracle"])
        for rule in ["length (longer->strong)", "length (shorter->strong)"] { #expect(routers[rule]?["apgr"] is Double, "\(rule)") }
        let model = try #require(routers["smollm2-135m-iq4_nl:rating"])
        for key in ["apgr", "accuracy", "mae", "ms_per_query"] { #expect(model[key] is Double, "\(key)") }
        #expect((model["confusion"] as? [[Int]])?.flatMap { $0 }.reduce(0, +) == n)
        #expect((routers["oracle"]?["apgr"] as? Double ?? 0) > (routers["random"]?["apgr"] as? Double ?? 1))

        // The plot is well-formed XML with one line per router.
        let svg = try XMLDocument(contentsOf: URL(fileURLWithPath: plot))
        #expect(svg.rootElement()?.name == "svg")
        #expect(try svg.nodes(forXPath: "//*[local-name()='polyline']").count == 5)

        // A second run reads every score from the cache and gives the same figures.
        let second = try CLIHarness.spawnLong(arguments)
        #expect(second.status == 0)
        #expect(second.stdout == first.stdout)
        let table = try CLIHarness.spawnLong(["eval", "--data", Self.data + "/mt_bench.jsonl", "--cache", cache, "--no-head"])
        #expect(table.stdout.contains("APGR") && table.stdout.contains("oracle") && table.stdout.contains("length (shorter->strong)"))
    }

    /// Your own traffic: a head trained on the oldest 80% (`train --split time`) is compared with
    /// the shipped head on the newest 20% (`eval --split time --head A --head B`).
    @Test func trainOnTheOldestTrafficAndCompareHeadsOnTheNewest() throws {
        let rows = try String(contentsOfFile: Self.data + "/gsm8k.jsonl", encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"contaminated\": false") }.prefix(30)
        // Written newest first: the split follows `time`, not the file's order.
        var lines: [String] = []
        for (index, line) in rows.enumerated().reversed() {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            object["time"] = String(format: "2026-12-07T10:%02d:00.000Z", index)
            object["id"] = "traffic-\(index)"
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }
        let data = try CLIHarness.temporaryFile("traffic.jsonl", contents: lines.joined(separator: "\n") + "\n")
        let cache = data + ".cache", head = data + ".head.json"
        let shipped = CLIHarness.root + "/models/heads/smollm2-135m-iq4_nl-rating.json"
        let train = try CLIHarness.spawnLong(["train", "--data", data, "--split", "time", "--out", head, "--name", "traffic",
                                              "--cache", cache, "--epochs", "20", "--l2", "1", "--threads", "2"])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        #expect(train.stdout.contains("24 train rows"), "the oldest 80% of 30: \(train.stdout)")
        let eval = try CLIHarness.spawnLong(["eval", "--data", data, "--split", "time", "--head", shipped, "--head", head,
                                             "--json", "--cache", cache, "--threads", "2"])
        #expect(eval.status == 0, "stderr: \(eval.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        #expect(report["n"] as? Int == 6, "the newest 20%")
        let routers = try #require(report["routers"] as? [String: Any])
        for name in ["smollm2-135m-iq4_nl:rating", "smollm2-135m-iq4_nl:rating+smollm2-135m-iq4_nl-rating",
                     "smollm2-135m-iq4_nl:rating+traffic", "random", "oracle", "length (longer->strong)", "length (shorter->strong)"] {
            #expect(routers[name] != nil, "\(name) in \(routers.keys.sorted())")
        }

        // Rows without a time cannot be split by it.
        let untimed = try CLIHarness.temporaryFile("untimed.jsonl", contents: rows.joined(separator: "\n") + "\n")
        let refused = try CLIHarness.spawnLong(["eval", "--data", untimed, "--split", "time", "--cache", cache, "--no-head"])
        #expect(refused.status == 1 && refused.stderr.contains("needs a \"time\""), "stderr: \(refused.stderr)")
    }

    @Test func calibrateRoutesTheAskedShareOfALabeledLog() throws {
        var lines: [String] = []
        for i in 0..<40 {
            lines.append("{\"id\":\(i),\"label\":1,\"strong_win_rate\":\(Double(i % 20) / 20 + 0.01 * Double(i / 20)),\"route\":\"strong\"}")
        }
        let log = try CLIHarness.temporaryFile("verdicts.jsonl", contents: lines.joined(separator: "\n") + "\n")
        let config = URL(fileURLWithPath: log).deletingLastPathComponent().appendingPathComponent("router.json").path
        try #"{"strong_model": "big", "weak_model": "small", "strong_price_per_request": 10, "weak_price_per_request": 1}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let run = try CLIHarness.spawnLong(["calibrate", "--input", log, "--strong-fraction", "0.25", "--config", config, "--write-config", "--no-head"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("routes 25.0% (10 rows)"))
        #expect(run.stdout.contains("routed cost 32.5% of all-strong, saving 67.5%"))
        let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config))) as! [String: Any]
        let threshold = try #require(stored["threshold"] as? Double)
        #expect(stored["strong_model"] as? String == "big")
        let rates = lines.map { Double($0.split(separator: ":")[3].split(separator: ",")[0])! }
        #expect(abs(rates.filter { $0 >= threshold }.count - 10) <= 1)
    }

    @Test func calibrateLabelsAQueryLogFirst() throws {
        let log = try CLIHarness.temporaryFile("queries.txt", contents: "What is 2+2?\nProve Fermat's last theorem.\nWhat is the capital of Peru?\nHi\n")
        let run = try CLIHarness.spawnLong(["calibrate", "--input", log, "--strong-fraction", "0.5", "--threads", "2"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("4 rows; threshold"))
        #expect(run.stdout.contains("(2 rows) to the strong model"))
    }
}
