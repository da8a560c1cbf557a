import Foundation

/// Where a head's training rows lie, to tell how far a new query is from anything the head was
/// fitted on: the training rows projected on the top principal directions of their
/// standardised features, and the distances held-out training rows had to their nearest
/// neighbours. A query's distance is the mean Euclidean distance to its `k` nearest training
/// rows in that space; its `ood_score` is the share of held-out rows that were closer (0: as
/// typical as the training data, 1: farther than all of it); it is out of distribution past
/// `threshold` (the 95th percentile of the held-out distances).
public struct HeadNeighbourhood: Codable, Equatable, Sendable {
    /// components[c][j]: principal direction c over the standardised features.
    public var components: [[Float]]
    /// Training rows in component space (a fixed sample when there were many).
    public var points: [[Float]]
    public var k: Int
    /// Sorted distances of the held-out rows (quantiles when there were many).
    public var reference: [Float]
    public var threshold: Double

    public init(components: [[Float]], points: [[Float]], k: Int, reference: [Float], threshold: Double) {
        self.components = components
        self.points = points
        self.k = k
        self.reference = reference
        self.threshold = threshold
    }

    /// The projection of standardised features `z`.
    public func project(_ z: [Float]) -> [Float] {
        components.map { c in
            var sum: Float = 0
            for j in 0..<min(c.count, z.count) { sum += c[j] * z[j] }
            return sum
        }
    }

    /// Mean distance from projected `p` to its `k` nearest points (skipping `excluding`).
    public func distance(projected p: [Float], excluding: Int? = nil) -> Double {
        var nearest: [Float] = []
        for (index, point) in points.enumerated() where index != excluding {
            var sum: Float = 0
            for c in 0..<min(point.count, p.count) { let d = point[c] - p[c]; sum += d * d }
            if nearest.count < k {
                nearest.append(sum)
                nearest.sort()
            } else if sum < nearest[k - 1] {
                nearest[k - 1] = sum
                nearest.sort()
            }
        }
        guard !nearest.isEmpty else { return 0 }
        return Double(nearest.map { $0.squareRoot() }.reduce(0, +)) / Double(nearest.count)
    }

    /// The share of held-out training rows closer than `distance` (0...1).
    public func score(distance: Double) -> Double {
        guard !reference.isEmpty else { return 0 }
        var low = 0, high = reference.count
        while low < high {
            let mid = (low + high) / 2
            if Double(reference[mid]) < distance { low = mid + 1 } else { high = mid }
        }
        return Double(low) / Double(reference.count)
    }

    /// Why the arrays do not fit a head of `featureSize` features, if they do not.
    func shapeProblem(featureSize: Int) -> String? {
        if components.isEmpty || components.contains(where: { $0.count != featureSize }) {
            return "ood.components must be rows of feature_size values"
        }
        if points.isEmpty || points.contains(where: { $0.count != components.count }) {
            return "ood.points must be rows of one value per component"
        }
        if k < 1 { return "ood.k must be at least 1" }
        if !threshold.isFinite || threshold < 0 || reference.contains(where: { !$0.isFinite }) {
            return "ood.threshold and ood.reference must be finite and non-negative"
        }
        if components.joined().contains(where: { !$0.isFinite }) || points.joined().contains(where: { !$0.isFinite }) {
            return "non-finite values in ood"
        }
        if components.joined().contains(where: { abs($0) > LabelHead.largestValue }) || points.joined().contains(where: { abs($0) > LabelHead.largestValue })
            || threshold > Double(LabelHead.largestValue) || reference.contains(where: { $0 > LabelHead.largestValue }) {
            return "ood values beyond +-\(LabelHead.largestValue)"
        }
        return nil
    }
}
