import Testing
@testable import RouterCore

@Suite struct ConversationQueryTests {
    typealias M = ConversationQuery.Message
    let tokenizer = CharacterTokenizer()

    @Test func aLoneUserMessageIsScoredAsIs() throws {
        let text = try ConversationQuery.text(of: [M(role: "system", content: "Be brief."), M(role: "user", content: "Why?")],
                                              room: 100, tokenizer: tokenizer)
        #expect(text == "Why?")
    }

    @Test func aConversationBecomesATranscriptUpToTheLastUserMessage() throws {
        let messages = [M(role: "system", content: "S"), M(role: "user", content: "Hi"), M(role: "assistant", content: "Hello"),
                        M(role: "user", content: "Now prove it"), M(role: "assistant", content: "trailing")]
        #expect(try ConversationQuery.text(of: messages, room: 100, tokenizer: tokenizer)
                == "User: Hi\n\nAssistant: Hello\n\nUser: Now prove it")
    }

    @Test func theOldestTurnsGoFirstWhenTooLong() throws {
        let messages = [M(role: "user", content: String(repeating: "a", count: 50)), M(role: "assistant", content: "ok"),
                        M(role: "user", content: "last")]
        #expect(try ConversationQuery.text(of: messages, room: 30, tokenizer: tokenizer) == "Assistant: ok\n\nUser: last")
        #expect(try ConversationQuery.text(of: messages, room: 5, tokenizer: tokenizer) == "last")
    }

    @Test func aConversationWithoutAUserMessageIsRefused() {
        #expect(throws: RouterError.invalidConversation("the messages have no user message")) {
            try ConversationQuery.text(of: [M(role: "system", content: "x")], room: 10, tokenizer: tokenizer)
        }
    }
}
