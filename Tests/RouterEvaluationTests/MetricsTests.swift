import Foundation
import Testing
import RouterCore
@testable import RouterEvaluation

/// RouteLLM's metrics against hand-computed cases and the data README's reference figures.
@Suite struct MetricsTests {
    static let dataDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path + "/data/routellm"

    @Test func aHandComputedCurve() {
        // Gap: strong mean 0.75 - weak mean 0.25 = 0.5. Ranked: row 0 (+1), row 3 (+1), row 2, row 1.
        let curve = QualityCurve(winRates: [0.9, 0.1, 0.5, 0.8], strongScores: [1, 1, 0, 1], weakScores: [0, 1, 0, 0])
        #expect(curve.shares == [0, 0.25, 0.5, 0.75, 1])
        #expect(curve.scores == [0.25, 0.5, 0.75, 0.75, 0.75])
        #expect(curve.pgr == [0, 0.5, 1, 1, 1])
        #expect(abs(curve.apgr - 0.75) < 1e-12)
        #expect(curve.callsToReach(0.5) == 0.25)
        #expect(curve.callsToReach(0.8) == 0.5)
    }

    @Test func aRouterThatCannotTellQueriesApartIsRandomInExpectation() {
        let curve = QualityCurve(winRates: [0.7, 0.7, 0.7, 0.7], strongScores: [1, 1, 0, 1], weakScores: [0, 1, 0, 0])
        #expect(curve.pgr.map { ($0 * 1e9).rounded() / 1e9 } == [0, 0.25, 0.5, 0.75, 1])
        #expect(abs(curve.apgr - 0.5) < 1e-12)
    }

    @Test func aWrongWayRouterScoresBelowRandom() {
        let curve = QualityCurve(winRates: [0.1, 0.9, 0.5, 0.2], strongScores: [1, 1, 0, 1], weakScores: [0, 1, 0, 0])
        #expect(curve.apgr < 0.5)
        #expect(curve.callsToReach(1.0) == 1.0)
    }

    @Test func theLengthRuleRanksByPromptLengthBothWays() throws {
        // The strong model helps only on the two longest prompts.
        let rows = [("a", 0.0, 0.0), ("bbbb", 1.0, 0.0), ("cc", 1.0, 1.0), ("dddddd", 1.0, 0.0)].enumerated().map { i, row in
            BenchmarkRow(id: "r\(i)", benchmark: "toy", prompt: row.0, strongScore: row.1, weakScore: row.2, label: row.1 > row.2 ? 1 : 5,
                         split: "test")
        }
        let dataset = BenchmarkDataset(name: "toy", rows: rows)
        let longer = RouterReport.length(dataset, longerFirst: true)
        let shorter = RouterReport.length(dataset, longerFirst: false)
        #expect(longer.name == "length (longer->strong)" && shorter.name == "length (shorter->strong)")
        #expect(abs(longer.apgr - 0.75) < 1e-12, "the two gains come first")
        #expect(shorter.apgr < 0.5)
        let report = BenchmarkReport(dataset: dataset, split: .test, models: [])
        #expect(report.routers.map(\.name) == ["random", "length (longer->strong)", "length (shorter->strong)", "oracle"])
        #expect(report.table.contains("length (shorter->strong)"))
    }

    @Test func labelAgreement() {
        let agreement = LabelAgreement(distributions: [[0.9, 0, 0, 0, 0.1], [0, 0, 0, 0.2, 0.8], [0, 0, 1, 0, 0], [0.6, 0, 0, 0.4, 0]],
                                       labels: [1, 5, 1, 4])
        #expect(agreement.accuracy == 0.5)
        #expect(agreement.meanAbsoluteError == Double(0 + 0 + 2 + 3) / 4)
        #expect(agreement.confusion[0] == [1, 0, 1, 0, 0])
        #expect(agreement.confusion[3] == [1, 0, 0, 0, 0])
        // P(>=4): 0.1, 1.0, 0, 0.4 for positives (labels >= 4) at rows 1 and 3: ranks put both above the negatives.
        #expect(agreement.weakGoodEnoughAUC == 1.0)
        #expect(LabelAgreement.auc(scores: [0.5, 0.5], positives: [true, false]) == 0.5)
        #expect(LabelAgreement.auc(scores: [0.1, 0.9], positives: [true, false]) == 0.0)
        #expect(LabelAgreement.auc(scores: [0.1, 0.9], positives: [true, true]) == nil)
    }

    @Test func referenceFiguresOnGSM8K() throws {
        let all = try BenchmarkDataset.load(path: Self.dataDirectory + "/gsm8k.jsonl", split: .all)
        #expect(all.rows.count == 1307)
        #expect(abs(all.strongMean - 0.8577) < 1e-3 && abs(all.weakMean - 0.6373) < 1e-3)
        let oracle = RouterReport.oracle(all)
        #expect(abs(oracle.cpt50! - 0.110) <= 0.005, "oracle CPT(50%) \(oracle.cpt50!)")
        #expect(abs(oracle.cpt80! - 0.176) <= 0.005)
        let test = try BenchmarkDataset.load(path: Self.dataDirectory + "/gsm8k.jsonl", split: .test)
        #expect(test.rows.count > 200 && test.rows.count < 320)
        let random = RouterReport.random(test)
        #expect((0.45...0.55).contains(random.apgr), "random APGR \(random.apgr)")
    }

    @Test func referenceFiguresOnMTBench() throws {
        let all = try BenchmarkDataset.load(path: Self.dataDirectory + "/mt_bench.jsonl", split: .all)
        #expect(all.rows.count == 72)
        let oracle = RouterReport.oracle(all)
        #expect(abs(oracle.cpt50! - 0.083) <= 0.01, "oracle CPT(50%) \(oracle.cpt50!)")
        #expect((0.45...0.55).contains(RouterReport.random(all).apgr))
    }

    @Test func sha256KnownAnswers() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array(String(repeating: "a", count: 1000).utf8)
        var chunked = SHA256()
        chunked.update(long.prefix(333))
        chunked.update(long.dropFirst(333))
        #expect(chunked.finalize() == SHA256.hex(long))
        #expect(SHA256.hex(long) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
