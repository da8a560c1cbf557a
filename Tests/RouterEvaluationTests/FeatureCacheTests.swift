import Foundation
import Testing
import RouterCore
@testable import RouterEvaluation

@Suite struct FeatureCacheTests {
    static let identity = ScoringIdentity(modelSHA256: String(repeating: "a", count: 64), templateSHA256: String(repeating: "b", count: 64))

    func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("features-\(UUID().uuidString)").path
    }

    @Test func entriesSurviveAReopenAndATornTail() throws {
        let directory = folder()
        let cache = try FeatureCache(directory: directory, identity: Self.identity, contextLength: 512, batchSize: 512)
        let first = FeatureCache.Entry(hiddenState: [1, -2.5, 3e-7], labelLogits: [0.1, 0.2, 0.3, 0.4, 0.5], milliseconds: 12.5)
        let second = FeatureCache.Entry(hiddenState: [4, 5, 6], labelLogits: [1, 2, 3, 4, 5], milliseconds: 3)
        try cache.store([("first prompt", first), ("second prompt", second)])
        #expect(cache.count == 2 && cache["first prompt"]?.hiddenState == [1, -2.5, 3e-7])

        // A killed writer leaves half a record: it is cut off, the whole ones are kept.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: cache.file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0x41, count: 70))
        try handle.close()
        let reopened = try FeatureCache(directory: directory, identity: Self.identity, contextLength: 512, batchSize: 512)
        #expect(reopened.count == 2)
        #expect(reopened["second prompt"]?.labelLogits == [1, 2, 3, 4, 5] && reopened["second prompt"]?.milliseconds == 3)
        #expect(reopened["first prompt"]?.vector(.finalStateAndLogits) == [1, -2.5, 3e-7, 0.1, 0.2, 0.3, 0.4, 0.5])
        #expect(reopened["never seen"] == nil)
        try reopened.store([("third", second)])
        #expect(try FeatureCache(directory: directory, identity: Self.identity, contextLength: 512, batchSize: 512).count == 3)

        // Another context length is another cache, and so is another decode chunk size (a long
        // query's values differ in the last bits with it); the default size keeps the old name.
        #expect(try FeatureCache(directory: directory, identity: Self.identity, contextLength: 1024, batchSize: 512).count == 0)
        let chunked = try FeatureCache(directory: directory, identity: Self.identity, contextLength: 512, batchSize: 128)
        #expect(chunked.count == 0 && chunked.file.hasSuffix("-bi2-u128-f2.f32") && reopened.file.hasSuffix("-bi2-f2.f32"))
    }

    @Test func trainingPicksAnL2AndSetsTheMedianThreshold() {
        // Two benchmarks, label 5 rows around +1 and label 1 rows around -1 on the first feature.
        func rows(_ name: String, count: Int) -> (BenchmarkDataset, [FeatureCache.Entry]) {
            var generator = SplitMix64(seed: UInt64(count))
            var data: [BenchmarkRow] = [], entries: [FeatureCache.Entry] = []
            for i in 0..<count {
                let weakRight = i % 3 != 0
                let noise = Float(Double(generator.next() >> 11) / Double(1 << 53)) - 0.5
                data.append(BenchmarkRow(id: "\(name)-\(i)", benchmark: name, prompt: "\(name) \(i)", strongScore: 1,
                                         weakScore: weakRight ? 1 : 0, label: weakRight ? 5 : 1, contaminated: false, split: "train"))
                entries.append(FeatureCache.Entry(hiddenState: [(weakRight ? 1 : -1) + noise, noise], labelLogits: [0, 0, 0, 0, noise],
                                                  milliseconds: 1))
            }
            return (BenchmarkDataset(name: name, rows: data), entries)
        }
        let a = rows("a", count: 300), b = rows("b", count: 240)
        let outcome = HeadTraining(l2Grid: [1e-3, 10], epochs: 200)
            .run(name: "t", identity: Self.identity, datasets: [a.0, b.0], entries: [a.1, b.1], description: ["data": "synthetic"])
        #expect(outcome.candidates.count == 2)
        #expect(outcome.candidates[outcome.chosen].validationLoss == outcome.candidates.map(\.validationLoss).min())
        #expect(outcome.candidates[0].validationAPGR.map(\.benchmark) == ["a", "b"])
        // A perfect ranking reaches 1 - (1/3)/2 = 0.833 here (a third of the rows gain from the strong model).
        #expect(outcome.candidates[0].validationAPGR.allSatisfy { $0.apgr > 0.8 })
        let head = outcome.head
        #expect(head.training["rows"] == "540" && head.training["data"] == "synthetic" && head.featureSize == 7)
        // A third of the rows are label 1: the median win rate sits among the label-5 rows, low.
        #expect(head.threshold < 0.5)
        #expect(head.distribution(features: [1, 0, 0, 0, 0, 0, 0]).label == 5)
        #expect(head.distribution(features: [-1, 0, 0, 0, 0, 0, 0]).label == 1)
    }
}
