import Foundation
import Testing

/// `label` gives the same verdicts at -np 1 and -np 16, and `route` the same as `label`, bit for
/// bit (batch-invariant scoring, docs/reproducibility.md).
@Suite struct LabelReproducibilityTests {
    /// The output's rows by input line.
    static func verdicts(_ path: String) throws -> [Int: NSDictionary] {
        var rows: [Int: NSDictionary] = [:]
        for row in try LabelCommandTests.outputRows(path) { rows[row["line"] as! Int] = row as NSDictionary }
        return rows
    }

    @Test(.timeLimit(.minutes(10)))
    func labelAtParallel1And16AndRouteAgreeExactly() throws {
        let (input, _) = try LabelCommandTests.log(rows: 10)
        let folder = URL(fileURLWithPath: input).deletingLastPathComponent()
        var outputs: [[Int: NSDictionary]] = []
        for parallel in ["1", "16"] {
            let output = folder.appendingPathComponent("np\(parallel).jsonl").path
            let outcome = try CLIHarness.spawn(["label", "--input", input, "--output", output, "-np", parallel, "--threads", "2"],
                                              timeout: .seconds(540))
            #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
            outputs.append(try Self.verdicts(output))
        }
        #expect(outputs[0].count == 10)
        #expect(outputs[0] == outputs[1], "label -np 1 and -np 16 wrote different verdicts")

        // `route` on two of the rows: the same probabilities, win rate and route as `label`.
        let text = try String(contentsOfFile: input, encoding: .utf8).split(separator: "\n")
        for line in [1, 7] {
            let query = (try JSONSerialization.jsonObject(with: Data(text[line - 1].utf8)) as! [String: Any])["prompt"] as! String
            let outcome = try CLIHarness.spawn(["route", "--threads", "2", "-"], stdin: query)
            #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
            let routed = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as! [String: Any]
            let labeled = try #require(outputs[0][line])
            for key in ["probabilities", "strong_win_rate", "expected_score", "label", "route", "model", "head"] {
                let a = routed[key].map { "\($0)" }, b = labeled[key].map { "\($0)" }
                #expect(a != nil && a == b, "route and label differ on \(key) for line \(line): \(a ?? "nil") vs \(b ?? "nil")")
            }
        }
    }
}
