/// The last `capacity` scored verdicts' route and out-of-distribution flag, for /metrics' drift
/// gauges: a strong share or out-of-distribution share that moves away from what it was when
/// the head was fitted says the traffic has changed under it (docs/learning.md, when to retrain).
struct RecentVerdicts: Sendable {
    static let capacity = 1000

    private var strong: [Bool] = []
    private var outside: [Bool] = []
    private var next = 0

    /// Verdicts in the window (at most `capacity`).
    var count: Int { strong.count }
    var strongShare: Double { share(strong) }
    var outOfDistributionShare: Double { share(outside) }

    mutating func add(strong isStrong: Bool, outOfDistribution: Bool) {
        if strong.count < Self.capacity {
            strong.append(isStrong)
            outside.append(outOfDistribution)
        } else {
            strong[next] = isStrong
            outside[next] = outOfDistribution
        }
        next = (next + 1) % Self.capacity
    }

    private func share(_ flags: [Bool]) -> Double {
        flags.isEmpty ? 0 : Double(flags.lazy.filter { $0 }.count) / Double(flags.count)
    }
}
