import Foundation
import LlamaKit
import RouterCore

/// The real default model and template, loaded once for the engine tests.
enum EngineFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let setup = RouterSetup(options: RouterOptions(), locator: ResourceLocator(home: root))
    private static let loaded = Result { () throws(RouterError) -> (LlamaModel, ScoringTemplate) in
        (try setup.loadModel(), try setup.template())
    }

    static func model() throws -> LlamaModel { try loaded.get().0 }
    static func template() throws -> ScoringTemplate { try loaded.get().1 }

    /// GSM8K questions from the routing data in data/ (the first `count` rows).
    static func gsm8kQueries(_ count: Int) throws -> [String] {
        try prompts(in: "data/routellm/gsm8k.jsonl", count)
    }

    /// Arena-Hard prompts (the first `count` rows): longer, some past one 512-token decode.
    static func arenaHardQueries(_ count: Int) throws -> [String] {
        try prompts(in: "data/arena_hard/gpt4_0613_vs_gpt35_turbo.jsonl", count)
    }

    /// The `prompt` of the first `count` rows of a routing-data JSONL file.
    static func prompts(in file: String, _ count: Int) throws -> [String] {
        let path = root + "/" + file
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").prefix(count).map { line in
            let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return row["prompt"] as! String
        }
    }
}
