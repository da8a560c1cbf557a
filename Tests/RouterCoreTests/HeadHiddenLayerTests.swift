import Foundation
import Testing
@testable import RouterCore

/// A head whose logits read a hidden layer (`HeadHiddenLayer`, format 4): what it computes, its
/// file, and the files it refuses.
@Suite struct HeadHiddenLayerTests {
    /// Two features; unit 0 is x + y, unit 1 is x - y, both rectified; label 1 reads unit 0,
    /// label 2 unit 1 (mean 0, scale 1, so the features are their standardised selves).
    static func head() -> LabelHead {
        let hidden = HeadHiddenLayer(weights: [[1, 1], [1, -1]], bias: [0, 0])
        return LabelHead(name: "hidden", identity: ScoringIdentity(modelSHA256: "m", templateSHA256: "t"), featureSize: 2,
                         mean: [0, 0], scale: [1, 1], weights: [[1, 0], [0, 1], [0, 0], [0, 0], [0, 0]], bias: [0, 0, 0, 0, 0],
                         hidden: hidden)
    }

    @Test func theLogitsReadTheRectifiedUnits() {
        let head = Self.head()
        #expect(head.format == LabelHead.formatWithHiddenLayer)
        // x = 2, y = 1: units 3 and 1, logits (3, 1, 0, 0, 0).
        let expected = [3.0, 1, 0, 0, 0].map { Foundation.exp($0) }
        let total = expected.reduce(0, +)
        let p = head.distribution(features: [2, 1]).probabilities
        for k in 0..<5 { #expect(abs(p[k] - expected[k] / total) < 1e-12) }
        // x = -2, y = -1: both units rectified to 0, every logit 0.
        let flat = head.distribution(features: [-2, -1]).probabilities
        #expect(flat.allSatisfy { abs($0 - 0.2) < 1e-12 })
    }

    @Test func aHeadWithAHiddenLayerRoundTrips() throws {
        let head = Self.head()
        let encoded = try JSONEncoder().encode(head)
        #expect(String(decoding: encoded, as: UTF8.self).contains("\"hidden\""))
        let decoded = try LabelHead.decode(encoded, path: "h.json")
        #expect(decoded == head)
        #expect(decoded.distribution(features: [0.5, -3]) == head.distribution(features: [0.5, -3]))
    }

    @Test func mismatchedHiddenLayersAreRefusedWithTheReason() throws {
        func problem(_ change: (inout LabelHead) -> Void) throws -> String? {
            var head = Self.head()
            change(&head)
            let data = try JSONEncoder().encode(head)
            do throws(RouterError) {
                _ = try LabelHead.decode(data, path: "h.json")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(try problem { _ in } == nil)
        // An older binary's format with a hidden layer, or format 4 without one.
        #expect(try problem { $0.format = LabelHead.formatWithFeatures }?.contains("hidden layer") == true)
        #expect(try problem { $0.hidden = nil }?.contains("hidden layer") == true)
        // Units that do not read every feature, a bias short, output weights that read the features.
        #expect(try problem { $0.hidden!.weights[1] = [1] }?.contains("units x feature_size") == true)
        #expect(try problem { $0.hidden!.bias = [0] }?.contains("units x feature_size") == true)
        #expect(try problem { $0.hidden!.weights.append([0, 0]); $0.hidden!.bias.append(0) }?.contains("hidden layer's units") == true)
        #expect(try problem { $0.hidden!.weights[0][0] = 2e6 }?.contains("beyond") == true)
        // A mixture's experts stay linear.
        #expect(try problem { head in
            var expert = Self.head()
            expert.name = "expert"
            head.hidden = nil
            head.format = LabelHead.formatWithFeatures
            head.experts = [expert]
        }?.contains("hidden layer") == true)
    }
}
