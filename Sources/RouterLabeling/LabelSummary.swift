/// What a labeling run did, over the whole output (rows from earlier runs included).
public struct LabelSummary: Sendable {
    public var labeledNow = 0
    public var resumed = 0
    public var errors = 0
    public var labels = Array(repeating: 0, count: 5)
    public var strong = 0
    public var seconds = 0.0
    public var decodeSeconds = 0.0
    public var threshold = 0.0

    public var labeled: Int { labels.reduce(0, +) }
    public var rowsPerSecond: Double { seconds > 0 ? Double(labeledNow) / seconds : 0 }

    public var report: String {
        let share = labeled > 0 ? Double(strong) / Double(labeled) * 100 : 0
        let perLabel = (1...5).map { "\($0): \(labels[$0 - 1])" }.joined(separator: ", ")
        let decodeShare = seconds > 0 ? decodeSeconds / seconds * 100 : 0
        return """
        label: \(labeled) rows labeled (\(labeledNow) in this run, \(resumed) from before), \(errors) bad rows
        label: per label: \(perLabel)
        label: strong share at threshold \(threshold): \(String(format: "%.1f", share))%
        label: \(String(format: "%.2f", rowsPerSecond)) rows/s over \(String(format: "%.1f", seconds)) s, decode calls \(String(format: "%.1f", decodeShare))% of it
        """
    }
}
