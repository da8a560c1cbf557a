import Foundation
import Testing
@testable import RouterCore

@Suite struct HeadNeighbourhoodTests {
    /// Rows around two centres in 12 dimensions, deterministic noise.
    static func rows(_ count: Int, seed: UInt64 = 7) -> [[Float]] {
        var state = seed
        func noise() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Double(state >> 11) / Double(1 << 53)) - 0.5
        }
        return (0..<count).map { i in (0..<12).map { j in (j == i % 2 ? 3 : 0) + noise() } }
    }

    @Test func queriesLikeTheTrainingRowsAreInsideAndFarOnesOutside() {
        let training = Self.rows(300)
        let held = Array(stride(from: 9, to: 300, by: 10))
        let neighbourhood = HeadNeighbourhood.fit(standardised: training, heldOut: held, components: 4, k: 5)
        #expect(neighbourhood.components.count == 4 && neighbourhood.points.count == 270 && neighbourhood.k == 5)
        #expect(neighbourhood.reference == neighbourhood.reference.sorted() && neighbourhood.threshold > 0)
        let fresh = Self.rows(200, seed: 99)
        let outside = fresh.filter { neighbourhood.distance(projected: neighbourhood.project($0)) > neighbourhood.threshold }.count
        #expect(outside < 40, "fresh rows from the same distribution flagged: \(outside)/200")
        let far = [Float](repeating: 9, count: 12)
        let distance = neighbourhood.distance(projected: neighbourhood.project(far))
        #expect(distance > neighbourhood.threshold && neighbourhood.score(distance: distance) == 1)
        #expect(neighbourhood.score(distance: 0) == 0)
        #expect(neighbourhood.shapeProblem(featureSize: 12) == nil)
        #expect(neighbourhood.shapeProblem(featureSize: 13) != nil)
    }

    @Test func principalDirectionsAreOrthonormalAndFindTheSpread() {
        // All the spread lies along (1, 1, 0, 0) / sqrt(2).
        let rows: [[Float]] = (0..<50).map { i in let t = Float(i - 25) / 5; return [t, t, 0.01 * Float(i % 3), 0] }
        let q = HeadNeighbourhood.principalDirections(rows, count: 2, width: 4)
        let first = q[0]
        #expect(abs(abs(first[0]) - 0.7071) < 1e-2 && abs(abs(first[1]) - 0.7071) < 1e-2)
        var dot: Float = 0, norm: Float = 0
        for j in 0..<4 { dot += q[0][j] * q[1][j]; norm += q[1][j] * q[1][j] }
        #expect(abs(dot) < 1e-4 && abs(norm - 1) < 1e-4)
    }

    @Test func outOfDistributionQueriesFollowTheConfiguredRoute() throws {
        let config = try RoutingConfig.parse(Data(#"{"threshold": 0.9, "ood_route": "strong"}"#.utf8), path: "c.json")
        #expect(config.oodRoute == .strong)
        var scored = ScoredQuery(distribution: LabelDistribution(logits: [0, 0, 0, 0, 5]), truncated: false, promptTokens: 4)
        scored.oodScore = 0.99
        scored.outOfDistribution = true
        let verdict = config.verdict(for: scored, template: "t", latencyMs: 1)
        #expect(verdict.route == .strong && verdict.model == config.strongModel, "a weak win rate, but out of distribution")
        let json = verdict.json.serialized
        #expect(json.contains("\"ood_score\":0.99") && json.contains("\"ood\":true"))
        #expect(throws: RouterError.self) { try RoutingConfig.parse(Data(#"{"ood_route": "maybe"}"#.utf8), path: "c.json") }
        #expect(try RoutingConfig.parse(Data("{}".utf8), path: "c.json").oodRoute == .strong)
    }
}
