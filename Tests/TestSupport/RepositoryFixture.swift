import Foundation
import LlamaKit
import RouterCore

/// The repository's default model, template and shipped head, and prompts from data/, loaded
/// once: for the engine tests and the reproducibility probe (`make probe`).
public enum RepositoryFixture {
    public enum Failure: Error, CustomStringConvertible {
        case noShippedHead
        case badDataLine(file: String)

        public var description: String {
            switch self {
            case .noShippedHead: "no shipped head matches the default model and template (models/heads/)"
            case .badDataLine(let file): "\(file): a line without a string \"prompt\""
            }
        }
    }

    /// The repository root (this file is Tests/TestSupport/RepositoryFixture.swift).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    public static let setup = RouterSetup(options: RouterOptions(), locator: ResourceLocator(home: root))
    private static let loaded = Result { () throws(RouterError) -> (LlamaModel, ScoringTemplate) in
        (try setup.loadModel(), try setup.template())
    }

    public static func model() throws -> LlamaModel { try loaded.get().0 }
    public static func template() throws -> ScoringTemplate { try loaded.get().1 }

    /// GSM8K questions from the routing data in data/ (the first `count` rows).
    public static func gsm8kQueries(_ count: Int) throws -> [String] {
        try prompts(in: "data/routellm/gsm8k.jsonl", count)
    }

    /// Arena-Hard prompts (the first `count` rows): longer, some past the default context.
    public static func arenaHardQueries(_ count: Int) throws -> [String] {
        try prompts(in: "data/arena_hard/gpt4_0613_vs_gpt35_turbo.jsonl", count)
    }

    /// The `prompt` of the first `count` rows of a routing-data JSONL file.
    public static func prompts(in file: String, _ count: Int) throws -> [String] {
        struct Row: Decodable { var prompt: String }
        let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
        return try text.split(separator: "\n").prefix(count).map { line in
            guard let row = try? JSONDecoder().decode(Row.self, from: Data(line.utf8)) else { throw Failure.badDataLine(file: file) }
            return row.prompt
        }
    }
}
