import Foundation
import Testing
@testable import RouterCore

@Suite struct HeadNeighbourhoodTests {
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
