import Foundation
import RouterCore
import RouterJudging
import TestSupport
import Testing

/// Reading records and the judge prompt, and the split and shard rules (pure logic, and the
/// shipped prompt and data files).
@Suite struct JudgeInputTests {
    @Test func aRecordGivesItsIdQueryAnswersAndFields() throws {
        let line = #"{"id": "r-1", "time": "2026-12-07T03:00:00Z", "path": "/v1/chat/completions", "query": "What is 2+2?", "#
            + #""messages": [{"role": "user", "content": "What is 2+2?"}], "metadata": {"reference": 4, "category": "math"}, "#
            + #""verdict": {"label": 5}, "tier": "weak", "answered_by": "weak", "answers": {"strong": "4", "weak": "Four.", "empty": " "}}"#
        let record = try TrafficRecord.parse(Array(line.utf8), source: "records-1.jsonl:3").get()
        #expect(record.id == "r-1" && record.query == "What is 2+2?" && record.time == "2026-12-07T03:00:00Z")
        #expect(record.answers == ["strong": "4", "weak": "Four."], "an empty answer is no answer")
        #expect(record.field("category") == "math" && record.model(ofTier: "strong") == "strong")
        #expect(record.json.value(at: ["metadata", "reference"]) == .int(4))

        let conversation = #"{"id": 7, "messages": [{"role": "user", "content": "Hi"}, "#
            + #"{"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Prove it."}]}"#
        let fromMessages = try TrafficRecord.parse(Array(conversation.utf8), source: "x:1").get()
        #expect(fromMessages.id == "7" && fromMessages.query == "Prove it.")

        guard case .failure(let bad) = TrafficRecord.parse(Array(#"{"query": "no id"}"#.utf8), source: "f.jsonl:9") else {
            Issue.record("a record without an id parsed")
            return
        }
        #expect(bad.id == "f.jsonl:9" && bad.reason.contains("\"id\""))
    }

    @Test func theShippedPromptFillsItsPlaceholdersOnce() throws {
        let prompt = try JudgePrompt.load(path: RepositoryFixture.root + "/prompts/judge-pairwise.txt")
        #expect(prompt.system?.contains("[[A>>B]]") == true && prompt.assistantPrefix == nil)
        let messages = prompt.messages(question: "Q {{answer_b}}", answerA: "first", answerB: "second")
        #expect(messages.map(\.role) == ["system", "user"])
        let user = messages[1].content
        #expect(user.contains("Q {{answer_b}}"), "a placeholder inside a value stays as written")
        #expect(user.range(of: "first")!.lowerBound < user.range(of: "second")!.lowerBound)

        let prefilled = try JudgePrompt(text: "# note\n[user]\n{{question}} {{answer_a}} {{answer_b}}\n[assistant]\nVerdict: [[\n", path: "p")
        #expect(prefilled.messages(question: "q", answerA: "a", answerB: "b").map(\.role) == ["user", "assistant"])
        #expect(prefilled.fullReply("A>B]]") == "Verdict: [[A>B]]" && prefilled.fullReply("Verdict: [[A=B]]") == "Verdict: [[A=B]]")
        #expect(throws: JudgePrompt.Invalid.self) { try JudgePrompt(text: "[user]\n{{question}} {{answer_a}}\n", path: "p") }
        #expect(throws: JudgePrompt.Invalid.self) { try JudgePrompt(text: "hello\n[user]\n{{question}} {{answer_a}} {{answer_b}}", path: "p") }
    }

    /// The split rule is data/README.md's: the obvious-cases rows outside the held-out kinds were
    /// split by it, so it gives each of them its split.
    @Test func theSplitIsTheDataFilesRule() throws {
        struct Row: Decodable {
            var id: String
            var split: String
            var category: String
        }
        let heldOut: Set = ["small_talk", "unit_conversion", "formatting", "concurrency", "research_science", "multipart_analysis",
                            "expert_professional"]
        let text = try String(contentsOfFile: RepositoryFixture.root + "/data/obvious/obvious_cases.jsonl", encoding: .utf8)
        let rows = try text.split(separator: "\n").map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
            .filter { !heldOut.contains($0.category) }
        #expect(rows.count > 500)
        #expect(rows.filter { IDHash.split(id: $0.id) != $0.split }.map(\.id) == [])
        let shards = rows.map { IDHash.shard(id: $0.id, count: 3) }
        #expect(Set(shards) == [0, 1, 2] && shards == rows.map { IDHash.shard(id: $0.id, count: 3) })
    }
}
