import Foundation
import RouterCore
import RouterEvaluation

/// Manipulated copies of training rows, labeled like their originals (`train --augment FILE`):
/// a sentence claiming the question is very hard ("upgrade") or easy ("downgrade") appended,
/// template or chat markup typed after it ("markup"), or the query repeated ("repeat"). A head
/// fitted on them learns that none of this changes how hard the question is, so a user cannot
/// push a verdict with a phrase. The file is JSON:
/// `{"upgrade": [...], "downgrade": [...], "markup": [...], "repeat": [[times, separator], ...]}`
/// (every key optional, at least one phrasing in all).
public struct TrainingAugmentation: Sendable, Equatable {
    public var upgrade: [String]
    public var downgrade: [String]
    public var markup: [String]
    public var repeats: [Repeat]

    /// The query `times` times, joined by `separator`.
    public struct Repeat: Sendable, Equatable {
        public var times: Int
        public var separator: String
    }

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(upgrade: [String] = [], downgrade: [String] = [], markup: [String] = [], repeats: [Repeat] = []) {
        self.upgrade = upgrade
        self.downgrade = downgrade
        self.markup = markup
        self.repeats = repeats
    }

    private struct File: Decodable {
        var upgrade: [String]?
        var downgrade: [String]?
        var markup: [String]?
        var `repeat`: [[Repeated]]?
    }

    /// A `[times, separator]` pair's item.
    private enum Repeated: Decodable {
        case number(Int), text(String)
        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let n = try? value.decode(Int.self) { self = .number(n) } else { self = .text(try value.decode(String.self)) }
        }
    }

    public static func load(path: String) throws(LoadError) -> TrainingAugmentation {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(description: "cannot read \(path)") }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw LoadError(description: "\(path): not an augmentation file ({\"upgrade\": [...], \"downgrade\": [...], \"markup\": [...], \"repeat\": [[2, \"\\n\"], ...]})")
        }
        var repeats: [Repeat] = []
        for pair in file.repeat ?? [] {
            guard pair.count == 2, case .number(let times) = pair[0], case .text(let separator) = pair[1], (2...8).contains(times) else {
                throw LoadError(description: "\(path): each \"repeat\" item must be [times (2-8), separator]")
            }
            repeats.append(Repeat(times: times, separator: separator))
        }
        let augmentation = TrainingAugmentation(upgrade: file.upgrade ?? [], downgrade: file.downgrade ?? [], markup: file.markup ?? [],
                                                repeats: repeats)
        let phrases = augmentation.upgrade + augmentation.downgrade + augmentation.markup
        guard !phrases.isEmpty || !repeats.isEmpty else { throw LoadError(description: "\(path): no phrasings") }
        guard !phrases.contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) else {
            throw LoadError(description: "\(path): an empty phrasing")
        }
        return augmentation
    }

    /// Every way to manipulate a query, in a fixed order.
    var manipulations: [(String) -> String] {
        func appending(_ phrase: String) -> (String) -> String {
            { $0 + (phrase.first?.isNewline == true ? "" : " ") + phrase }
        }
        return (upgrade + downgrade + markup).map(appending)
            + repeats.map { r in { Array(repeating: $0, count: r.times).joined(separator: r.separator) } }
    }

    /// The dataset with `copies` manipulated copies of each row after the originals, each copy
    /// labeled like its original and named `<id>~aug<k>`; which manipulation a copy gets follows
    /// from the row's id, so every run makes the same copies.
    public func augmented(_ dataset: BenchmarkDataset, copies: Int) -> BenchmarkDataset {
        let all = manipulations
        guard copies > 0, !all.isEmpty else { return dataset }
        var extra: [BenchmarkRow] = []
        for row in dataset.rows {
            var generator = SplitMix64(seed: UInt64(SHA256.hex(Array(row.id.utf8)).prefix(16), radix: 16) ?? 0)
            var order = Array(all.indices)
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
            }
            for k in 0..<copies {
                var copy = row
                copy.id = row.id + "~aug\(k)"
                copy.prompt = all[order[k % order.count]](row.prompt)
                extra.append(copy)
            }
        }
        return BenchmarkDataset(name: dataset.name, rows: dataset.rows + extra)
    }
}
