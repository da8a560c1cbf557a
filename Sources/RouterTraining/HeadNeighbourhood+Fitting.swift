import Foundation
import RouterCore

extension HeadNeighbourhood {
    /// Fits the neighbourhood of standardised training features `z` (one row per training row):
    /// principal directions by subspace iteration over the rows not in `heldOut`, those rows
    /// projected (at most `maxPoints`, an even sample), and the held-out rows' distances as the
    /// reference (leave-one-out distances among the points when nothing is held out).
    public static func fit(standardised z: [[Float]], heldOut: [Int], components: Int = 32, k: Int = 5,
                           maxPoints: Int = 1500, quantile: Double = 0.95) -> HeadNeighbourhood {
        precondition(!z.isEmpty)
        let held = Set(heldOut)
        let train = z.indices.filter { !held.contains($0) }
        let rows = train.isEmpty ? Array(z.indices) : train
        let d = z[0].count
        let p = max(1, min(components, d, rows.count))
        let basis = principalDirections(rows.map { z[$0] }, count: p, width: d)
        let step = max(1, (rows.count + maxPoints - 1) / maxPoints)
        let sample = stride(from: 0, to: rows.count, by: step).map { rows[$0] }
        var neighbourhood = HeadNeighbourhood(components: basis, points: [], k: max(1, min(k, sample.count - 1)),
                                              reference: [], threshold: 0)
        neighbourhood.points = sample.map { neighbourhood.project(z[$0]) }
        var distances: [Float]
        if heldOut.isEmpty || train.isEmpty {
            distances = neighbourhood.points.indices.map {
                Float(neighbourhood.distance(projected: neighbourhood.points[$0], excluding: $0))
            }
        } else {
            distances = heldOut.map { Float(neighbourhood.distance(projected: neighbourhood.project(z[$0]))) }
        }
        distances.sort()
        let cut = distances[min(distances.count - 1, Int((Double(distances.count) * quantile).rounded(.down)))]
        neighbourhood.threshold = Double(cut)
        if distances.count > 200 {
            distances = (0..<200).map { distances[$0 * distances.count / 200] }
        }
        neighbourhood.reference = distances
        return neighbourhood
    }

    /// The top `count` principal directions of the (already centred) rows: subspace iteration
    /// Q <- orth(Xᵀ X Q), deterministic start, 25 rounds.
    static func principalDirections(_ rows: [[Float]], count: Int, width: Int) -> [[Float]] {
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Double(state >> 11) / Double(1 << 53)) - 0.5
        }
        var q = (0..<count).map { _ in (0..<width).map { _ in next() } }
        orthonormalise(&q)
        for _ in 0..<25 {
            // y = Xᵀ (X q): for each row, its coordinates on q, then accumulate.
            var y = [[Float]](repeating: [Float](repeating: 0, count: width), count: count)
            for row in rows {
                row.withUnsafeBufferPointer { x in
                    for c in 0..<count {
                        var dot: Float = 0
                        q[c].withUnsafeBufferPointer { v in for j in 0..<width { dot += x[j] * v[j] } }
                        y[c].withUnsafeMutableBufferPointer { out in for j in 0..<width { out[j] += dot * x[j] } }
                    }
                }
            }
            q = y
            orthonormalise(&q)
        }
        return q
    }

    /// Modified Gram-Schmidt; a vector that vanishes is replaced by a unit axis not yet used.
    static func orthonormalise(_ vectors: inout [[Float]]) {
        for i in vectors.indices {
            for j in 0..<i {
                var dot: Float = 0
                for t in vectors[i].indices { dot += vectors[i][t] * vectors[j][t] }
                for t in vectors[i].indices { vectors[i][t] -= dot * vectors[j][t] }
            }
            var norm: Float = 0
            for value in vectors[i] { norm += value * value }
            norm = norm.squareRoot()
            if norm < 1e-12 {
                vectors[i] = [Float](repeating: 0, count: vectors[i].count)
                vectors[i][i % vectors[i].count] = 1
            } else {
                for t in vectors[i].indices { vectors[i][t] /= norm }
            }
        }
    }
}
