/// How a router separates the prompts the strong model is needed for (hard) from those a weak
/// model answers as well (easy), as a user who types obvious requests sees it: ROC-AUC of the
/// strong-model win rate (hard above easy), and the share of each class routed strong at a cut.
/// APGR cannot say this on such a set: it rewards the order only, not where the threshold falls.
public struct ClassSeparation: Equatable, Sendable {
    /// P(a hard prompt scores above an easy one), ties counting one half; nil with one class only.
    public var auc: Double?
    /// The win-rate threshold of the cut (strong when >= threshold); nil when the cut was made at
    /// a strong-call share instead (the baselines have no threshold of their own).
    public var threshold: Double?
    public var easyRoutedStrong: Double
    public var hardRoutedStrong: Double
    public var easyCount: Int
    public var hardCount: Int
    /// Share of all rows routed strong.
    public var routedStrong: Double {
        (easyRoutedStrong * Double(easyCount) + hardRoutedStrong * Double(hardCount)) / Double(max(1, easyCount + hardCount))
    }
    /// Share of each row category (`BenchmarkRow.category`) routed strong, with its row count.
    public var byCategory: [(category: String, hard: Bool, routedStrong: Double, count: Int)]

    public static func == (a: ClassSeparation, b: ClassSeparation) -> Bool {
        a.auc == b.auc && a.threshold == b.threshold && a.easyRoutedStrong == b.easyRoutedStrong
            && a.hardRoutedStrong == b.hardRoutedStrong && a.easyCount == b.easyCount && a.hardCount == b.hardCount
            && a.byCategory.map(\.category) == b.byCategory.map(\.category)
            && a.byCategory.map(\.routedStrong) == b.byCategory.map(\.routedStrong)
    }

    /// The cut at a threshold: strong when the win rate is at or above it (the router's rule).
    public init(rows: [BenchmarkRow], winRates: [Double], threshold: Double) {
        self.init(rows: rows, winRates: winRates, strong: winRates.map { $0 >= threshold }, threshold: threshold)
    }

    /// The cut that routes `share` of the rows strong, highest scores first (ties in row order):
    /// how a baseline would do at the strong-call share a model router chose.
    public init(rows: [BenchmarkRow], scores: [Double], strongShare: Double) {
        let count = Int((strongShare * Double(scores.count)).rounded())
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        var strong = [Bool](repeating: false, count: scores.count)
        for index in order.prefix(count) { strong[index] = true }
        self.init(rows: rows, winRates: scores, strong: strong, threshold: nil)
    }

    /// A router that ignores the prompt (random): every class is routed strong at `strongShare`,
    /// AUC one half (the expectation over orderings).
    public static func random(rows: [BenchmarkRow], strongShare: Double) -> ClassSeparation {
        var result = ClassSeparation(rows: rows, winRates: rows.map { _ in 0 }, strong: rows.map { _ in false }, threshold: nil)
        result.auc = result.auc == nil ? nil : 0.5
        result.easyRoutedStrong = strongShare
        result.hardRoutedStrong = strongShare
        result.byCategory = result.byCategory.map { ($0.category, $0.hard, strongShare, $0.count) }
        return result
    }

    private init(rows: [BenchmarkRow], winRates: [Double], strong: [Bool], threshold: Double?) {
        precondition(rows.count == winRates.count && rows.count == strong.count, "one win rate per row")
        let hard = rows.map(\.strongNeeded)
        auc = LabelAgreement.auc(scores: winRates, positives: hard)
        self.threshold = threshold
        hardCount = hard.filter { $0 }.count
        easyCount = hard.count - hardCount
        func share(_ indices: [Int]) -> Double {
            indices.isEmpty ? 0 : Double(indices.filter { strong[$0] }.count) / Double(indices.count)
        }
        hardRoutedStrong = share(rows.indices.filter { hard[$0] })
        easyRoutedStrong = share(rows.indices.filter { !hard[$0] })
        var categories: [String] = []
        for row in rows where !categories.contains(row.category) { categories.append(row.category) }
        byCategory = categories.map { category in
            let members = rows.indices.filter { rows[$0].category == category }
            return (category, members.contains { hard[$0] }, share(members), members.count)
        }.sorted { ($0.hard ? 1 : 0, $0.category) < ($1.hard ? 1 : 0, $1.category) }
    }
}
