import Foundation
import Testing
@testable import RouterCore

@Suite struct RoutingConfigTests {
    @Test func thresholdEdges() throws {
        let always = try RoutingConfig(threshold: 0)
        #expect(always.route(strongWinRate: 0) == .strong)
        #expect(always.route(strongWinRate: 1) == .strong)

        let never = try RoutingConfig(threshold: 1)
        #expect(never.route(strongWinRate: 0.999_999) == .weak)
        #expect(never.route(strongWinRate: 1) == .strong)

        let half = try RoutingConfig(threshold: 0.5)
        #expect(half.route(strongWinRate: 0.5) == .strong, "equal to the threshold routes strong")
        #expect(half.route(strongWinRate: 0.5.nextDown) == .weak)
        #expect(half.model(for: .strong) == RoutingConfig.defaultStrongModel)
        #expect(half.model(for: .weak) == RoutingConfig.defaultWeakModel)
    }

    @Test func thresholdOutsideUnitIntervalIsRefused() {
        #expect(throws: RouterError.thresholdOutOfRange(1.5)) { try RoutingConfig(threshold: 1.5) }
        #expect(throws: RouterError.thresholdOutOfRange(-0.1)) { try RoutingConfig(threshold: -0.1) }
    }

    @Test func parsesAFullConfigAndDefaultsMissingKeys() throws {
        let full = try RoutingConfig.parse(Data(#"{"strong_model":"big","weak_model":"small","threshold":0.25,"fallback_route":"weak"}"#.utf8), path: "c.json")
        #expect(full == (try RoutingConfig(strongModel: "big", weakModel: "small", threshold: 0.25, fallbackRoute: .weak)))
        let empty = try RoutingConfig.parse(Data("{}".utf8), path: "c.json")
        #expect(empty == (try RoutingConfig()))
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (#"{"treshold": 0.3}"#, "unknown key \"treshold\""),
        (#"{"threshold": "high"}"#, "\"threshold\" must be a number"),
        (#"{"threshold": true}"#, "\"threshold\" must be a number"),
        (#"{"threshold": 1.5}"#, "must be between 0 and 1"),
        (#"{"strong_model": 4}"#, "\"strong_model\" must be a string"),
        (#"{"weak_model": "  "}"#, "\"weak_model\" must not be empty"),
        (#"{"fallback_route": "cheap"}"#, "\"fallback_route\" must be \"strong\" or \"weak\""),
        (#"{"fallback_route": 1}"#, "\"fallback_route\" must be \"strong\" or \"weak\""),
    ])
    func refusesBadConfigs(json: String, reason: String) {
        #expect {
            try RoutingConfig.parse(Data(json.utf8), path: "bad.json")
        } throws: { error in
            guard case .configInvalid(let path, let message) = error as? RouterError else { return false }
            return path == "bad.json" && message.contains(reason)
        }
    }

    @Test func missingFileIsReported() {
        #expect(throws: RouterError.configNotFound(path: "/nonexistent/router.json")) {
            try RoutingConfig.load(path: "/nonexistent/router.json")
        }
    }

    @Test func shippedConfigLoads() throws {
        let config = try RoutingConfig.load(path: RepositoryPaths.root + "/models/router.json")
        #expect((0...1).contains(config.threshold))
    }
}
