import Foundation
import LlamaKit
import RouterCore
import TestSupport
import Testing

/// The template prefix's state kept between starts (`PrefixStateStore`), with the real model:
/// the second engine restores what the first saved, scores bit for bit the same, and a file
/// that does not fit is decoded over and replaced.
@Suite(.serialized) struct PrefixStateStoreTests {
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prefix-states-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func engine(store: PrefixStateStore?) throws -> ScoringEngine {
        var settings = ScoringEngineSettings(parallel: 2, maxQueue: 16, threads: 2, hiddenState: true, pooledBlocks: [6])
        settings.prefixStore = store
        return try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(), settings: settings)
    }

    static func stateFiles(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".kv") }
    }

    @Test(.timeLimit(.minutes(10)))
    func aSecondStartRestoresThePrefixAndScoresBitForBitTheSame() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = PrefixStateStore(directory: directory, modelSHA256: "model-under-test")
        let queries = try RepositoryFixture.gsm8kQueries(2) + RepositoryFixture.arenaHardQueries(2)

        let plain = try Self.engine(store: nil)
        let expected = try plain.scoreAll(queries)
        #expect(!plain.restoredPrefix)
        plain.shutdown()
        #expect(try Self.stateFiles(in: directory).isEmpty, "an engine without a store writes nothing")

        let first = try Self.engine(store: store)
        #expect(!first.restoredPrefix, "nothing saved yet: the first start decodes")
        let fromDecode = try first.scoreAll(queries)
        first.shutdown()
        let files = try Self.stateFiles(in: directory)
        #expect(files.count == 1, "one state file, got \(files)")

        let second = try Self.engine(store: store)
        #expect(second.restoredPrefix, "the second start restores the saved prefix")
        let fromRestore = try second.scoreAll(queries)
        second.shutdown()
        BatchInvarianceTests.expectIdentical(expected, fromDecode, "decoded prefix, store on and off")
        BatchInvarianceTests.expectIdentical(expected, fromRestore, "restored prefix against decoded")

        // Another model's SHA-256 is another file: nothing is restored across models.
        let other = try Self.engine(store: PrefixStateStore(directory: directory, modelSHA256: "another-model"))
        #expect(!other.restoredPrefix)
        other.shutdown()
        #expect(try Self.stateFiles(in: directory).count == 2)
    }

    @Test(.timeLimit(.minutes(10)))
    func aFileThatDoesNotFitIsDecodedOverAndReplaced() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = PrefixStateStore(directory: directory, modelSHA256: "model-under-test")
        let query = try RepositoryFixture.gsm8kQueries(1)
        let first = try Self.engine(store: store)
        let expected = try first.scoreAll(query)
        first.shutdown()
        let file = try #require(try Self.stateFiles(in: directory).first)
        let path = directory + "/" + file
        let good = try Data(contentsOf: URL(fileURLWithPath: path))

        for damaged in [good.prefix(good.count / 2), Data(repeating: 0xA5, count: good.count), Data()] {
            try damaged.write(to: URL(fileURLWithPath: path))
            let engine = try Self.engine(store: store)
            #expect(!engine.restoredPrefix, "a damaged file of \(damaged.count) bytes is not restored")
            let scored = try engine.scoreAll(query)
            engine.shutdown()
            BatchInvarianceTests.expectIdentical(expected, scored, "after a damaged state file of \(damaged.count) bytes")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == good, "the file is saved again whole")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 1, "no temporary file is left")
    }

    @Test(.timeLimit(.minutes(10)))
    func theLeastRecentlyUsedFilesGoPastTheLimit() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Files of other configurations, used one hour ago and earlier, oldest first.
        let others = (0..<PrefixStateStore.fileLimit).map { directory + "/other-\($0).kv" }
        for (age, file) in others.enumerated() {
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: file))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600 - Double(1000 * (others.count - age)))],
                                                  ofItemAtPath: file)
        }
        let engine = try Self.engine(store: PrefixStateStore(directory: directory, modelSHA256: "model-under-test"))
        engine.shutdown()
        let left = Set(try Self.stateFiles(in: directory))
        #expect(left.count == PrefixStateStore.fileLimit, "\(left.count) files left")
        #expect(!left.contains("other-0.kv"), "the least recently used file went")
        #expect(left.contains("other-\(others.count - 1).kv"), "the most recently used stayed")
        #expect(left.contains { !$0.hasPrefix("other-") }, "the new state was saved")
    }
}
