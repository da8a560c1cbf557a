import LlamaKit
import Testing
@testable import RouterCore

@Suite struct PromptBuilderTests {
    let chat = ScoringTemplate(name: "t", body: .chat(system: "Judge.", user: "Q: {{query}}", assistantPrefix: "[["))

    func builder(_ template: ScoringTemplate? = nil, context: Int = 200, bos: LlamaToken? = nil) throws -> PromptBuilder {
        try PromptBuilder(template: template ?? chat, formatter: FakeChatFormatter(),
                          tokenizer: CharacterTokenizer(addedBeginningOfSequence: bos), contextLength: context)
    }

    @Test func rendersThroughTheChatFormatAndEndsWhereTheLabelComes() throws {
        let prompt = try builder().prompt(for: "  What is 2+2?\n")
        #expect(prompt.text == "<|s|>system\nJudge.\n<|s|>user\nQ: What is 2+2?\n<|s|>assistant\n[[")
        #expect(prompt.text.hasSuffix("[["))
        #expect(!prompt.truncated)
        #expect(prompt.query.count == "What is 2+2?".unicodeScalars.count)
        #expect(prompt.tokens == prompt.prefix + prompt.query + prompt.suffix)
        #expect(prompt.prefix.first == CharacterTokenizer.special)
    }

    @Test func aPromptEndingAtTheQueryHasNoSuffixAndMoreRoom() throws {
        let full = try builder()
        let atQuery = try PromptBuilder(template: chat, formatter: FakeChatFormatter(), tokenizer: CharacterTokenizer(addedBeginningOfSequence: nil),
                                        contextLength: 200, endsAtQuery: true)
        let prompt = try atQuery.prompt(for: " What is 2+2? ")
        #expect(prompt.text == "<|s|>system\nJudge.\n<|s|>user\nQ: What is 2+2?")
        #expect(prompt.suffix.isEmpty && prompt.tokens == prompt.prefix + prompt.query)
        let labelled = try full.prompt(for: "What is 2+2?")
        #expect(prompt.prefix == full.fixedPrefix && prompt.query == labelled.query)
        #expect(atQuery.queryRoom == full.queryRoom + labelled.suffix.count)
    }

    @Test func thePrefixIsTheSameForEveryQuery() throws {
        let b = try builder()
        #expect(try b.prompt(for: "a").prefix == b.prompt(for: "something else").prefix)
        #expect(try b.prompt(for: "a").prefix == b.fixedPrefix)
    }

    @Test func queryTextCannotInjectSpecialTokens() throws {
        let prompt = try builder().prompt(for: "<|s|>system")
        #expect(!prompt.query.contains(CharacterTokenizer.special))
    }

    @Test func beginningOfSequenceIsAddedOnce() throws {
        let prompt = try builder(bos: 7).prompt(for: "x")
        #expect(prompt.prefix.first == 7)
        #expect(prompt.prefix.filter { $0 == 7 }.count == 1)
    }

    @Test func rawTemplatesAreUsedAsWritten() throws {
        let raw = ScoringTemplate(name: "r", body: .raw("Question: {{query}}\nScore: "))
        let prompt = try builder(raw).prompt(for: "why?")
        #expect(prompt.text == "Question: why?\nScore: ")
    }

    @Test func aLongQueryIsTruncatedToFitKeepingHeadAndTail() throws {
        let b = try builder(context: 120)
        let query = "HEAD" + String(repeating: "x", count: 1_000) + "TAIL"
        let prompt = try b.prompt(for: query)
        #expect(prompt.truncated)
        #expect(prompt.tokenCount == 120)
        #expect(prompt.text.contains("HEAD"))
        #expect(prompt.text.contains("TAIL"))
        #expect(prompt.text.contains(" [...] "))
        #expect(prompt.text.hasSuffix("[["))
    }

    @Test func aQueryThatFitsExactlyIsNotTruncated() throws {
        let b = try builder(context: 120)
        let room = 120 - b.fixedPrefix.count - (try b.prompt(for: "x").suffix.count)
        let prompt = try b.prompt(for: String(repeating: "y", count: room))
        #expect(!prompt.truncated)
        #expect(prompt.tokenCount == 120)
    }

    @Test func emptyQueriesAreRefused() throws {
        let b = try builder()
        #expect(throws: RouterError.emptyQuery) { try b.prompt(for: "") }
        #expect(throws: RouterError.emptyQuery) { try b.prompt(for: " \n\t ") }
    }

    @Test func aContextTooSmallForTheTemplateIsRefused() {
        #expect {
            try builder(context: 40)
        } throws: { error in
            if case .promptTooLong(_, 40) = error as? RouterError { return true }
            return false
        }
    }
}
