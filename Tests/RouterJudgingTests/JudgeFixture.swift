import Foundation
import RouterCore
import RouterJudging
import RouterProxy
import TestSupport

/// Records, folders and judges for the judge suites.
enum JudgeFixture {
    /// A fresh temporary folder.
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("judge-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// One record line as `serve --record` writes it.
    static func record(id: String, query: String, answers: [String: String], metadata: [(String, JSONValue)] = []) -> String {
        JSONValue.object([
            ("id", .string(id)), ("time", .string("2026-12-07T03:00:00Z")), ("path", .string("/v1/chat/completions")),
            ("query", .string(query)), ("metadata", .object(metadata)), ("verdict", .object([("label", .int(3))])),
            ("tier", .string("weak")), ("answered_by", .string("weak")),
            ("answers", .object(answers.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })),
        ]).serialized
    }

    /// GSM8K questions with a right strong answer and a wrong weak one.
    static func gsm8kRecords(_ count: Int) throws -> [String] {
        try RepositoryFixture.gsm8kQueries(count).enumerated().map { index, query in
            record(id: "gsm8k-\(index)", query: query,
                   answers: ["strong": "Working step by step, the answer is \(index + 10).", "weak": "I think it is \(index + 3)."])
        }
    }

    /// Writes lines to a file.
    static func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The lines of a JSONL file, parsed (none when it is missing).
    static func rows(_ path: String) throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return try data.split(separator: 10).map { try JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
    }

    /// A judge over a stub upstream, in this process.
    static func client(_ stub: StubUpstream, prompt: JudgePrompt? = nil, maxTokens: Int = 64) throws -> JudgeClient {
        let prompt = try prompt ?? JudgePrompt.load(path: RepositoryFixture.root + "/prompts/judge-pairwise.txt")
        return JudgeClient(endpoint: UpstreamEndpoint(name: "strong", baseURL: "http://127.0.0.1:\(stub.port)/v1", model: "judge-model"),
                           timeouts: UpstreamTimeouts(connectMs: 2_000, firstByteMs: 15_000, totalMs: 30_000),
                           prompt: prompt, maxTokens: maxTokens)
    }

    /// The judge prompt SmolLM2-135M answers with a verdict: it continues `Verdict: [[` (llama-server
    /// continues a last assistant message), where the shipped prompt's reasoning is beyond it.
    static let smallModelPrompt = """
        [system]
        You compare two answers to a question. Reply with the verdict: [[A>B]] if answer A is better, [[A=B]] if they are equally good, [[B>A]] if answer B is better.
        [user]
        Question: {{question}}

        Answer A: {{answer_a}}

        Answer B: {{answer_b}}
        [assistant]
        Verdict: [[
        """
}
