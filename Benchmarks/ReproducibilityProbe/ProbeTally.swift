import Foundation
import RouterCore

/// Differences of one variant against the reference, over all queries.
struct ProbeTally {
    var queries = 0, identical = 0, routeFlips = 0
    var zeroShot = 0.0, head = 0.0

    mutating func add(_ a: ScoredQuery, _ b: ScoredQuery, threshold: Double) {
        queries += 1
        if a.distribution == b.distribution && a.labelLogits == b.labelLogits { identical += 1 }
        if (a.distribution.strongWinRate >= threshold) != (b.distribution.strongWinRate >= threshold) { routeFlips += 1 }
        head = max(head, abs(a.distribution.strongWinRate - b.distribution.strongWinRate))
        let za = LabelDistribution(logits: a.labelLogits ?? []), zb = LabelDistribution(logits: b.labelLogits ?? [])
        zeroShot = max(zeroShot, abs(za.strongWinRate - zb.strongWinRate))
    }

    func row(_ name: String) -> String {
        String(format: "| %@ | %d/%d | %d (%.1f%%) | %.4f | %.4f |", name, identical, queries, routeFlips,
               100 * Double(routeFlips) / Double(max(1, queries)), head, zeroShot)
    }
}
