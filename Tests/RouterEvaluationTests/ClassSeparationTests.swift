import Foundation
import Testing
import RouterCore
@testable import RouterEvaluation

/// The obvious-cases figures `eval` reports: AUC (hard above easy) and each class's share
/// routed strong, at a threshold for model routers and at a strong-call share for baselines.
@Suite struct ClassSeparationTests {
    /// Two easy rows (weak as good) and two hard rows (strong needed), in two kinds each.
    static let rows: [BenchmarkRow] = [("hi", false, "greeting"), ("Prove it.", true, "proof"),
                                       ("What is 2+2? I'm asking for my son, thanks a lot", false, "arithmetic"),
                                       ("Design a lock-free queue", true, "concurrency")].enumerated().map { i, row in
        BenchmarkRow(id: "o\(i)", benchmark: "obvious", prompt: row.0, strongScore: 1, weakScore: row.1 ? 0 : 1, label: row.1 ? 1 : 5,
                     split: "test", scoreScale: BenchmarkRow.obviousScale, category: row.2)
    }

    @Test func aThresholdCutCountsEachClassAndKind() {
        // Win rates: hi 0.2, proof 0.9, 2+2 0.6, queue 0.4; threshold 0.5 routes 2+2 (easy) and proof strong.
        let s = ClassSeparation(rows: Self.rows, winRates: [0.2, 0.9, 0.6, 0.4], threshold: 0.5)
        #expect(s.auc == 0.75, "proof scores above both easy rows, the queue above one: 3 of 4 pairs")
        #expect(s.easyRoutedStrong == 0.5 && s.hardRoutedStrong == 0.5)
        #expect(s.easyCount == 2 && s.hardCount == 2 && s.threshold == 0.5)
        #expect(s.byCategory.map(\.category) == ["arithmetic", "greeting", "concurrency", "proof"], "easy kinds first, then by name")
        #expect(s.byCategory.map(\.routedStrong) == [1, 0, 0, 1])
        let perfect = ClassSeparation(rows: Self.rows, winRates: [0.1, 0.9, 0.2, 0.8], threshold: 0.5)
        #expect(perfect.auc == 1 && perfect.easyRoutedStrong == 0 && perfect.hardRoutedStrong == 1)
        let atTheThreshold = ClassSeparation(rows: Self.rows, winRates: [0.1, 0.5, 0.2, 0.8], threshold: 0.5)
        #expect(atTheThreshold.hardRoutedStrong == 1, "strong when the win rate is at or above the threshold, as the router routes")
    }

    @Test func baselinesAreCutAtTheModelRoutersStrongShare() {
        let dataset = BenchmarkDataset(name: "obvious", rows: Self.rows)
        #expect(dataset.isObviousCases)
        let head = RouterReport.model("head", dataset: dataset,
                                      distributions: [[0.1, 0, 0, 0, 0.9], [0.9, 0, 0, 0, 0.1], [0, 0, 0.2, 0, 0.8], [0.4, 0.4, 0, 0, 0.2]],
                                      threshold: 0.5)
        #expect(head.separation?.auc == 1 && head.separation?.hardRoutedStrong == 1 && head.separation?.easyRoutedStrong == 0)
        let report = BenchmarkReport(dataset: dataset, split: .test, models: [head])
        let byName = Dictionary(uniqueKeysWithValues: report.routers.map { ($0.name, $0.separation) })
        // Half the rows went strong: the longer-first rule sends the two longest (2+2's chatty
        // question and the queue), one of each class.
        #expect(byName["length (longer->strong)"]??.easyRoutedStrong == 0.5)
        #expect(byName["length (longer->strong)"]??.hardRoutedStrong == 0.5)
        #expect(byName["random"]??.auc == 0.5 && byName["random"]??.hardRoutedStrong == 0.5)
        #expect(byName["oracle"]??.auc == 1 && byName["oracle"]??.hardRoutedStrong == 1)
        #expect(report.table.contains("AUC(hard>easy)"))
        #expect(report.table.contains("head routed strong by kind (4 kinds, easy first): arithmetic 0%, greeting 0%, concurrency 100%, proof 100%"))
        #expect(report.json.serialized.contains("\"auc_hard_above_easy\""))
    }

    @Test func otherSetsReportNoSeparation() {
        let rows = Self.rows.map { row -> BenchmarkRow in
            var row = row
            row.scoreScale = "correct"
            return row
        }
        let dataset = BenchmarkDataset(name: "exam", rows: rows)
        #expect(!dataset.isObviousCases)
        let head = RouterReport.model("head", dataset: dataset, distributions: rows.map { _ in [0.2, 0.2, 0.2, 0.2, 0.2] }, threshold: 0.5)
        #expect(head.separation == nil)
        #expect(!BenchmarkReport(dataset: dataset, split: .test, models: [head]).table.contains("AUC(hard>easy)"))
    }
}
