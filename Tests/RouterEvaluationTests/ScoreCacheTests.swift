import Foundation
import Testing
import RouterCore
@testable import RouterEvaluation

/// The score cache gives back exactly what it stored, so a re-run of `eval` prints the same figures.
@Suite struct ScoreCacheTests {
    @Test func reopenedCacheReturnsEveryDoubleBitForBit() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("score-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let identity = ScoringIdentity(modelSHA256: "m", templateSHA256: "t")
        // Values Foundation's JSONSerialization on Linux reads back as a neighbouring double.
        var generator = SplitMix64(seed: 7)
        var stored: [(prompt: String, entry: ScoreCache.Entry)] = []
        for i in 0..<200 {
            let p = (0..<5).map { _ in Double(generator.next() >> 11) / Double(1 << 53) }
            stored.append(("prompt \(i)", ScoreCache.Entry(probabilities: p, milliseconds: 1000 * Double(generator.next() >> 11) / Double(1 << 53))))
        }
        stored.append(("known case", ScoreCache.Entry(probabilities: [316.94900221770905, 26.391595872303554, 0, 1, 0.5], milliseconds: 127.46808177353775)))
        try ScoreCache(directory: directory, identity: identity, contextLength: 1024, batchSize: 512).store(stored)

        let reopened = try ScoreCache(directory: directory, identity: identity, contextLength: 1024, batchSize: 512)
        for (prompt, entry) in stored {
            let read = try #require(reopened[prompt], "\(prompt)")
            #expect(read.probabilities == entry.probabilities, "\(prompt)")
            #expect(read.milliseconds == entry.milliseconds, "\(prompt)")
        }
    }
}
