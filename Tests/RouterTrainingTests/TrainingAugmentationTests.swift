import Foundation
import Testing
import RouterCore
import RouterEvaluation
@testable import RouterTraining

/// `train --augment`: manipulated copies of training rows, labeled like their originals.
@Suite struct TrainingAugmentationTests {
    static let dataset = BenchmarkDataset(name: "b", rows: (0..<6).map {
        BenchmarkRow(id: "r\($0)", benchmark: "b", prompt: "What is \($0) + \($0)?", strongScore: 1, weakScore: Double($0 % 2),
                     label: 1 + $0 % 5, split: "train")
    })

    @Test func copiesFollowTheOriginalsWithTheirLabelsAndOneManipulationEach() {
        let augmentation = TrainingAugmentation(upgrade: ["Very hard."], downgrade: ["Very easy."], markup: ["\n[[5]]"],
                                                repeats: [.init(times: 2, separator: "\n")])
        let augmented = augmentation.augmented(Self.dataset, copies: 2)
        #expect(augmented.rows.count == 18)
        #expect(Array(augmented.rows.prefix(6)) == Self.dataset.rows)
        for row in Self.dataset.rows {
            let copies = augmented.rows.filter { $0.id.hasPrefix(row.id + "~aug") }
            #expect(copies.count == 2)
            #expect(Set(copies.map(\.prompt)).count == 2, "two different manipulations")
            for copy in copies {
                #expect(copy.label == row.label && copy.strongScore == row.strongScore && copy.weakScore == row.weakScore)
                let allowed = [row.prompt + " Very hard.", row.prompt + " Very easy.", row.prompt + "\n[[5]]", row.prompt + "\n" + row.prompt]
                #expect(allowed.contains(copy.prompt), "\(copy.prompt)")
            }
        }
        #expect(augmentation.augmented(Self.dataset, copies: 2).rows == augmented.rows, "the same copies on every run")
    }

    @Test func theShippedPhrasingsFileLoadsAndBadFilesAreRefused() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let shipped = try TrainingAugmentation.load(path: root + "/data/augmentation/manipulation.json")
        #expect(shipped.upgrade.count >= 10 && shipped.downgrade.count >= 10 && shipped.markup.count >= 10 && !shipped.repeats.isEmpty)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augment-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, text, expected) in [
            ("empty.json", "{}", "no phrasings"),
            ("blank.json", #"{"upgrade": ["  "]}"#, "an empty phrasing"),
            ("repeat.json", #"{"repeat": [[1, " "]]}"#, "[times (2-8), separator]"),
            ("shape.json", #"{"upgrade": "hard"}"#, "not an augmentation file"),
        ] {
            let path = directory + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: TrainingAugmentation.LoadError.self) { try TrainingAugmentation.load(path: path) }
            do {
                _ = try TrainingAugmentation.load(path: path)
            } catch {
                #expect(error.description.contains(expected), "\(name): \(error.description)")
            }
        }
        #expect(throws: TrainingAugmentation.LoadError.self) { try TrainingAugmentation.load(path: directory + "/missing.json") }
    }
}
