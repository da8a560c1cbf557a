import Foundation
import Testing
@testable import RouterCore

@Suite struct HeadFeaturesTests {
    /// A `strong_better` head over `features` of a model with `embeddingSize` hidden values
    /// (zero means, unit scales, small equal weights).
    static func head(_ name: String, reading features: HeadFeatures, embeddingSize: Int) -> LabelHead {
        let size = features.size(embeddingSize: embeddingSize)
        return LabelHead(name: name, identity: ScoringIdentity(modelSHA256: "m", templateSHA256: "t"), target: .strongBetter,
                         features: features, featureSize: size, mean: Array(repeating: 0, count: size),
                         scale: Array(repeating: 1, count: size), weights: Array(repeating: Array(repeating: 0.1, count: size), count: 5),
                         bias: [0, 0, 0, 0, 0])
    }

    @Test func specsParseAndPrintBack() throws {
        let features = try HeadFeatures(spec: "b12, b3,stats,b12")
        #expect(features.pooledBlocks == [3, 12] && !features.finalState && !features.labelLogits && features.promptStatistics)
        #expect(features.spec == "b3,b12,stats")
        #expect(try HeadFeatures(spec: features.spec) == features)
        #expect(try HeadFeatures(spec: "final,logits") == .finalStateAndLogits)
        #expect(features.size(embeddingSize: 10) == 2 * 10 + PromptStatistics.count)
        #expect(HeadFeatures.finalStateAndLogits.size(embeddingSize: 10) == 15)
        #expect(features.summary == "mean(b3,b12)+stats")
    }

    @Test func queryEndSaysWhereFeaturesAreReadAndNeedsTheNextFormat() throws {
        let features = try HeadFeatures(spec: "query-end,b3,final")
        #expect(features.position == .queryEnd && features.endsAtQuery && features.pooledBlocks == [3] && features.finalState)
        #expect(features.spec == "b3,final,query-end" && features.summary == "mean(b3)+final@query-end")
        #expect(try HeadFeatures(spec: features.spec) == features)
        #expect(!(try HeadFeatures(spec: "b3,final")).endsAtQuery)
        #expect(throws: RouterError.self) { try HeadFeatures(spec: "query-end") }
        let head = Self.head("end", reading: features, embeddingSize: 3)
        #expect(head.format == LabelHead.formatAtQueryEnd)
        let text = String(decoding: try JSONEncoder().encode(head), as: UTF8.self)
        #expect(text.contains("\"position\":\"query_end\""))
        #expect(try LabelHead.decode(Data(text.utf8), path: "end.json") == head)
        // A file whose format and position disagree is refused: an older reader of format 2
        // would read the features at the label position.
        var mislabeled = head
        mislabeled.format = LabelHead.formatWithFeatures
        #expect(throws: RouterError.self) { try LabelHead.decode(JSONEncoder().encode(mislabeled), path: "mislabeled.json") }
        // Heads reading at the label position are written without the field, as before.
        let plain = String(decoding: try JSONEncoder().encode(try HeadFeatures(spec: "b3,final")), as: UTF8.self)
        #expect(!plain.contains("position"))
    }

    @Test func badSpecsAreRefusedWithTheReason() {
        for spec in ["", " , ", "b", "b-1", "bx", "final,middle", "query-end", "query-end,nothing"] {
            #expect(throws: RouterError.self) { try HeadFeatures(spec: spec) }
        }
        let message = (try? HeadFeatures(spec: "middle")).map { _ in "" } ?? RouterError.featuresInvalid(spec: "middle", reason: "x").description
        #expect(message.contains("--features 'middle'"))
    }

    @Test func theVectorFollowsTheSpecOrderAndNeedsWhatItNames() {
        let scored = ScoredQuery(distribution: LabelDistribution(logits: [0, 0, 0, 0, 0]), truncated: false, promptTokens: 3,
                                 hiddenState: [7, 8], labelLogits: [1, 2, 3, 4, 5], pooledStates: [10, 11, 20, 21],
                                 promptStatistics: Array(repeating: 0.5, count: PromptStatistics.count))
        let all = HeadFeatures(pooledBlocks: [4, 9], finalState: true, labelLogits: true, promptStatistics: true)
        #expect(all.vector(of: scored) == [10, 11, 20, 21, 7, 8, 1, 2, 3, 4, 5] + Array(repeating: 0.5, count: PromptStatistics.count))
        var missing = scored
        missing.pooledStates = nil
        #expect(all.vector(of: missing) == nil)
        #expect(HeadFeatures.finalStateAndLogits.vector(of: missing) == [7, 8, 1, 2, 3, 4, 5])
        // An engine that pools more blocks than the head reads says which: the head takes its own.
        var more = scored
        more.pooledBlocks = [4, 9]
        #expect(HeadFeatures(pooledBlocks: [9], finalState: false, labelLogits: false).vector(of: more) == [20, 21])
        #expect(HeadFeatures(pooledBlocks: [4], finalState: true, labelLogits: false).vector(of: more) == [10, 11, 7, 8])
        #expect(HeadFeatures(pooledBlocks: [5], finalState: false, labelLogits: false).vector(of: more) == nil)
    }

    @Test func promptStatisticsCountWhatTheQueryIsMadeOf() {
        let s = PromptStatistics.of(query: "Fix this:\nint main() { return 0; }\nWhy?", tokens: 17)
        #expect(s.count == PromptStatistics.count)
        #expect(abs(s[0] - log1p(Float(39))) < 1e-5, "characters")
        #expect(abs(s[2] - log1p(3)) < 1e-5, "lines")
        #expect(abs(s[3] - log1p(17)) < 1e-5, "tokens")
        #expect(abs(s[4] - log1p(1)) < 1e-5, "question marks")
        #expect(s[5] > 0 && s[6] > 0.1, "digits and code characters")
        let plain = PromptStatistics.of(query: "hello there", tokens: 2)
        #expect(plain[5] == 0 && plain[6] == 0 && plain[7] == 0)
    }

    @Test func headsWithFeaturesRoundTripAndFirstFormatFilesStillLoad() throws {
        let features = HeadFeatures(pooledBlocks: [2], finalState: false, labelLogits: false, promptStatistics: true)
        let head = Self.head("pooled", reading: features, embeddingSize: 3)
        #expect(head.format == LabelHead.formatWithFeatures)
        let decoded = try JSONDecoder().decode(LabelHead.self, from: JSONEncoder().encode(head))
        #expect(decoded == head && decoded.features == features)
        #expect(throws: Never.self) { try head.check(embeddingSize: 3) }
        #expect(throws: RouterError.self) { try head.check(embeddingSize: 4) }
        // A format-1 file has no "features": it reads the final state and the label logits.
        let first = LabelHead(name: "first", identity: ScoringIdentity(modelSHA256: "m", templateSHA256: "t"), featureSize: 8,
                              mean: Array(repeating: 0, count: 8), scale: Array(repeating: 1, count: 8),
                              weights: Array(repeating: Array(repeating: 0, count: 8), count: 5), bias: [0, 0, 0, 0, 0])
        let text = String(decoding: try JSONEncoder().encode(first), as: UTF8.self)
        let reread = try JSONDecoder().decode(LabelHead.self, from: Data(text.utf8))
        #expect(!text.contains("\"features\"") && reread.format == LabelHead.format)
        #expect(try JSONDecoder().decode(LabelHead.self, from: Data(text.utf8)).features == .finalStateAndLogits)
    }

    @Test func theStrongBetterTargetKeepsOnlyClearStrongWins() {
        #expect([1, 2, 3, 4, 5].map(HeadTarget.strongBetter.trainingLabel(for:)) == [1, 1, 5, 5, 5])
    }
}
