import Foundation
import RouterCore
import RouterServer
import Testing
@testable import RouterProxy

/// How the proxy links a conversation's turns without the client's help, without a model: the
/// canonical form, the earlier messages' key, the answer read from a whole body and assembled
/// from a stream, the kind of turn.
@Suite struct SessionTranscriptTests {
    static func transcript(_ json: String) throws -> SessionTranscript {
        let messages = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])
        return try #require(SessionTranscript(messages: messages))
    }

    static let firstTurn = #"[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Write a sort."}]"#
    static let answerBody = #"{"id": "x", "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Here it is:\n  sorted(xs)  "}}], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}"#

    @Test func theNextTurnFindsTheKeyStoredAfterTheAnswer() throws {
        let first = try Self.transcript(Self.firstTurn)
        #expect(first.earlierKey == nil, "a first turn has no earlier answer, whatever its system prompt")
        #expect(first.turn == .user)
        let answer = try #require(SessionMessage(completionBody: Array(Self.answerBody.utf8)))
        let stored = first.key(after: answer)
        // The client sends the answer back as the openai client does: other keys, other order,
        // whitespace at the ends, null fields.
        let second = try Self.transcript("""
            [{"content": "Be brief.", "role": "system", "name": null},
             {"role": "user", "content": [{"type": "text", "text": "Write a sort. "}]},
             {"role": "assistant", "content": "Here it is:\\n  sorted(xs)", "refusal": null, "tool_calls": null, "annotations": []},
             {"role": "user", "content": "And in Python?"}]
            """)
        #expect(second.earlierKey == stored)
        #expect(second.turn == .user)
        let other = try Self.transcript("""
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Write a sort."},
             {"role": "assistant", "content": "Here it is: sorted(xs)"}, {"role": "user", "content": "And in Python?"}]
            """)
        #expect(other.earlierKey != stored, "a different answer is a different conversation")
    }

    @Test func aStreamedAnswerIsAssembledToTheSameMessageAsAWholeOne() throws {
        var scanner = ServerSentEventScanner(assemblesAnswer: true)
        let events = [
            #"{"choices":[{"index":0,"delta":{"role":"assistant","content":null}}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"Here it is:\n"}}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"  sorted(xs)  "}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#,
            "[DONE]",
        ]
        let stream = events.map { "data: \($0)\n\n" }.joined()
        let bytes = Array(stream.utf8)
        scanner.feed(Array(bytes[..<37]))   // split inside an event
        scanner.feed(Array(bytes[37...]))
        #expect(scanner.sawDone && scanner.usage?.completionTokens == 4)
        let whole = try #require(SessionMessage(completionBody: Array(Self.answerBody.utf8)))
        #expect(scanner.answer?.message == whole)
        #expect(ServerSentEventScanner().answer == nil, "nothing is assembled unless asked")
    }

    @Test func toolCallsAreAssembledAndTheToolResultTurnFindsTheSession() throws {
        var scanner = ServerSentEventScanner(assemblesAnswer: true)
        let events = [
            #"{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ]
        scanner.feed(Array(events.map { "data: \($0)\r\n\r\n" }.joined().utf8))
        let answer = try #require(scanner.answer?.message)
        #expect(answer.toolCalls == [.init(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
        let first = try Self.transcript(#"[{"role": "user", "content": "Weather in Paris?"}]"#)
        let result = try Self.transcript("""
            [{"role": "user", "content": "Weather in Paris?"},
             {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
              "function": {"arguments": "{\\"city\\":\\"Paris\\"}", "name": "get_weather"}}]},
             {"role": "tool", "tool_call_id": "call_1", "content": "18 C, sunny"}]
            """)
        #expect(result.turn == .toolResult)
        #expect(result.earlierKey == first.key(after: answer))
        // Two results of two calls: the earlier messages end at the assistant's calls either way.
        let two = try Self.transcript("""
            [{"role": "user", "content": "Weather in Paris?"},
             {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Paris\\"}"}}]},
             {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}, {"role": "tool", "tool_call_id": "call_2", "content": "x"}]
            """)
        #expect(two.earlierKey == first.key(after: answer) && two.turn == .toolResult)
        let callsLast = try Self.transcript("""
            [{"role": "user", "content": "Weather in Paris?"},
             {"role": "assistant", "tool_calls": [{"id": "call_1", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}]
            """)
        #expect(callsLast.turn == .toolResult, "an assistant message calling tools last is a tool turn")
        #expect(callsLast.earlierKey == first.key(after: answer), "arguments as an object are serialized like the string")
    }

    @Test func theCanonicalFormHoldsOnlyWhatMakesAMessage() throws {
        let message = try #require(SessionMessage(json: ["role": "user", "content": "  hi  ", "name": NSNull(), "extra": 1] as [String: Any]))
        #expect(message.canonical.serialized == #"{"role":"user","content":"hi","name":"","tool_call_id":"","tool_calls":[]}"#)
        #expect(SessionMessage(json: ["content": "no role"] as [String: Any]) == nil)
        #expect(SessionTranscript(messages: ["not a message"]) == nil)
    }
}
