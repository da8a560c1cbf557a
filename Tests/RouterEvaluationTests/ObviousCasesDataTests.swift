import Foundation
import Testing
import RouterCore
@testable import RouterEvaluation

/// data/obvious/: the set's size, kinds and classes, and its split as data/README.md states it.
@Suite struct ObviousCasesDataTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path + "/data/obvious"
    static let heldOutKinds: Set = ["small_talk", "unit_conversion", "formatting", "concurrency", "research_science",
                                    "multipart_analysis", "expert_professional"]

    /// Test when the first 8 hex digits of the id's SHA-256 are below 0.2 x 2^32.
    static func hashSplit(_ id: String) -> String {
        UInt64(SHA256.hex(Array(id.utf8)).prefix(8), radix: 16)! < UInt64(0.2 * 4_294_967_296) ? "test" : "train"
    }

    @Test func theSetHasBothClassesInManyKindsAndItsDocumentedSplit() throws {
        let all = try BenchmarkDataset.load(path: Self.folder + "/obvious_cases.jsonl", split: .all)
        #expect(all.rows.count >= 400 && all.isObviousCases)
        let kinds = Set(all.rows.map(\.category))
        #expect(kinds.count >= 15)
        for kind in kinds {
            let rows = all.rows.filter { $0.category == kind }
            #expect(Set(rows.map(\.strongNeeded)).count == 1, "\(kind) is all easy or all hard")
            #expect(rows.allSatisfy { $0.label == ($0.strongNeeded ? 1 : 5) })
            for row in rows {
                #expect(row.split == (Self.heldOutKinds.contains(kind) ? "test" : Self.hashSplit(row.id)), "\(row.id)")
            }
        }
        #expect(Self.heldOutKinds.isSubset(of: kinds))
        for split in [BenchmarkDataset.Split.train, .test] {
            let rows = try BenchmarkDataset.load(path: Self.folder + "/obvious_cases.jsonl", split: split).rows
            #expect(rows.contains { $0.strongNeeded } && rows.contains { !$0.strongNeeded }, "both classes in \(split)")
        }
        #expect(Set(all.rows.map(\.prompt)).count == all.rows.count, "no prompt twice")
    }

    @Test func theMoreKindsAreObviousCasesOfNewKindsSplitByHash() throws {
        let more = try BenchmarkDataset.load(path: Self.folder + "/more_kinds.jsonl", split: .all)
        #expect(more.rows.count >= 400 && more.isObviousCases)
        let set = try BenchmarkDataset.load(path: Self.folder + "/obvious_cases.jsonl", split: .all).rows
        let kinds = Set(more.rows.map(\.category))
        #expect(kinds.count == 12 && kinds.isDisjoint(with: set.map(\.category)), "kinds the set does not have")
        for kind in kinds {
            let rows = more.rows.filter { $0.category == kind }
            #expect(Set(rows.map(\.strongNeeded)).count == 1, "\(kind) is all easy or all hard")
            #expect(rows.allSatisfy { $0.label == ($0.strongNeeded ? 1 : 5) && $0.split == Self.hashSplit($0.id) })
        }
        let prompts = more.rows.map(\.prompt)
        #expect(Set(prompts).count == prompts.count && Set(prompts).isDisjoint(with: set.map(\.prompt)), "no prompt twice")
    }

    @Test func theEverydayPromptsAreUngradedAndSplitByHash() throws {
        var obvious = Set(try BenchmarkDataset.load(path: Self.folder + "/obvious_cases.jsonl", split: .all).rows.map(\.prompt))
        obvious.formUnion(try BenchmarkDataset.load(path: Self.folder + "/more_kinds.jsonl", split: .all).rows.map(\.prompt))
        for (file, least) in [("everyday.jsonl", 300), ("everyday_technical.jsonl", 200)] {
            let all = try BenchmarkDataset.load(path: Self.folder + "/" + file, split: .all)
            #expect(all.rows.count >= least && !all.isObviousCases, "\(file)")
            #expect(all.rows.allSatisfy { $0.scoreScale == "ungraded" && $0.split == Self.hashSplit($0.id) }, "\(file)")
            #expect(all.rows.allSatisfy { !obvious.contains($0.prompt) }, "\(file)")
        }
    }
}
