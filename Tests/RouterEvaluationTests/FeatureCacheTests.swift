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
}
