import Foundation
import RouterCore

/// What a judging run did, over the whole output (rows from earlier runs included), except
/// `skipped` and `duplicates`, which count this run's reading of the input.
public struct JudgeSummary: Sendable {
    public var rows = 0
    public var rowsNow = 0
    public var errors = 0
    /// Records without answers from two tiers (not errors: nothing to compare).
    public var skipped = 0
    /// Records whose id came again in the input (judged once).
    public var duplicates = 0
    /// Records of a folder still being written (a last line without its newline), left for later.
    public var unfinished = 0
    public var labels = Array(repeating: 0, count: 5)
    /// Rows judged by the LLM judge, and by `--reference`.
    public var pairwise = 0
    public var graded = 0
    /// Pairwise rows whose two orders disagree (signs differ, a tie against a preference
    /// included), point opposite ways, or differ at all.
    public var ordersDisagree = 0
    public var ordersOpposite = 0
    public var ordersDiffer = 0
    public var calls = 0
    public var promptTokens = 0
    public var completionTokens = 0
    public var seconds = 0.0

    public init() {}

    /// Counts one pair judged in both orders (`margins`: its two orders' d).
    mutating func addPairwise(margins: [Int]) {
        pairwise += 1
        if PairwiseJudgement.ordersDisagree(margins) { ordersDisagree += 1 }
        if PairwiseJudgement.ordersOpposite(margins) { ordersOpposite += 1 }
        if PairwiseJudgement.ordersDiffer(margins) { ordersDiffer += 1 }
    }

    /// Counts judge calls and their tokens (of a judged row or of one sent to the errors file).
    mutating func addCalls(_ count: Int, promptTokens: Int, completionTokens: Int) {
        calls += count
        self.promptTokens += promptTokens
        self.completionTokens += completionTokens
    }

    public var secondsPerRow: Double { rowsNow > 0 ? seconds / Double(rowsNow) : 0 }

    private func share(_ count: Int, of total: Int) -> String {
        total > 0 ? String(format: "%.1f%%", Double(count) / Double(total) * 100) : "-"
    }

    /// A judge whose two orders point opposite ways this often prefers a position, not an
    /// answer: its averaged verdicts are ties (label 5) that say nothing about the answers.
    public static let positionBiasWarningShare = 0.3

    /// The warning `report` ends with when the orders point opposite ways too often, or nil.
    public var positionBiasWarning: String? {
        guard pairwise >= 10, Double(ordersOpposite) >= Self.positionBiasWarningShare * Double(pairwise) else { return nil }
        return "judge: warning: the two orders point opposite ways on \(share(ordersOpposite, of: pairwise)) of the pairs: the judge "
            + "prefers a position, not an answer, and those rows average to ties (label 5) that say nothing; use a stronger judge "
            + "(docs/learning.md)"
    }

    public var report: String {
        let perLabel = (1...5).map { "\($0): \(labels[$0 - 1])" }.joined(separator: ", ")
        return """
        judge: \(rows) rows (\(rowsNow) in this run, \(rows - rowsNow) from before), \(errors) errors, \(skipped) records skipped \
        (fewer than two answers), \(duplicates) repeated ids, \(unfinished) unfinished
        judge: per label: \(perLabel)
        judge: \(pairwise) judged pairwise, \(graded) graded by reference; the two orders disagree on \(ordersDisagree) \
        (\(share(ordersDisagree, of: pairwise))), opposite on \(ordersOpposite) (\(share(ordersOpposite, of: pairwise))), \
        differ on \(ordersDiffer) (\(share(ordersDiffer, of: pairwise)))
        judge: \(calls) judge calls, \(promptTokens) prompt + \(completionTokens) completion tokens
        judge: \(String(format: "%.2f", secondsPerRow)) s per row over \(String(format: "%.1f", seconds)) s
        """ + (positionBiasWarning.map { "\n" + $0 } ?? "")
    }

    public var json: JSONValue {
        .object([
            ("rows", .int(rows)), ("rows_this_run", .int(rowsNow)), ("errors", .int(errors)), ("skipped", .int(skipped)),
            ("duplicates", .int(duplicates)), ("unfinished", .int(unfinished)),
            ("labels", .object((1...5).map { (String($0), JSONValue.int(labels[$0 - 1])) })),
            ("pairwise", .int(pairwise)), ("graded_by_reference", .int(graded)),
            ("orders", .object([("disagree", .int(ordersDisagree)), ("opposite", .int(ordersOpposite)), ("differ", .int(ordersDiffer))])),
            ("judge_calls", .int(calls)), ("prompt_tokens", .int(promptTokens)), ("completion_tokens", .int(completionTokens)),
            ("seconds", .number(seconds)), ("seconds_per_row", .number(secondsPerRow)),
        ])
    }
}
