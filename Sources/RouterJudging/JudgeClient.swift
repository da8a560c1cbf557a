import Foundation
import RouterCore
import RouterProxy

/// The LLM judge over the OpenAI chat-completions API (any compatible `base_url`), reached through
/// the proxy's upstream client: one comparison per call, temperature 0, at most `maxTokens`.
/// Safe to call from several threads at once (each call checks out its own transfer).
public final class JudgeClient: Sendable {
    public let endpoint: UpstreamEndpoint
    private let timeouts: UpstreamTimeouts
    private let prompt: JudgePrompt
    private let maxTokens: Int
    private let client = UpstreamClient()

    public init(endpoint: UpstreamEndpoint, timeouts: UpstreamTimeouts, prompt: JudgePrompt, maxTokens: Int) {
        self.endpoint = endpoint
        self.timeouts = timeouts
        self.prompt = prompt
        self.maxTokens = maxTokens
    }

    private struct Completion: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
            var message: Message?
        }
        struct Usage: Decodable {
            var prompt_tokens: Int?
            var completion_tokens: Int?
        }
        var choices: [Choice]?
        var usage: Usage?
    }

    /// The request body for one comparison.
    func body(question: String, answerA: String, answerB: String) -> [UInt8] {
        let messages = prompt.messages(question: question, answerA: answerA, answerB: answerB).map { message in
            JSONValue.object([("role", .string(message.role)), ("content", .string(message.content))])
        }
        return Array(JSONValue.object([
            ("model", .string(endpoint.model)), ("messages", .array(messages)),
            ("temperature", .int(0)), ("max_tokens", .int(maxTokens)),
        ]).serialized.utf8)
    }

    /// Asks the judge to compare answer A with answer B.
    public func compare(question: String, answerA: String, answerB: String) -> Result<JudgeReply, JudgeCallFailure> {
        let result = client.postJSON(body(question: question, answerA: answerA, answerB: answerB), to: endpoint,
                                     path: "/chat/completions", timeouts: timeouts)
        switch result {
        case .failure(let failure):
            return .failure(.unavailable(failure.description))
        case .success(let reply):
            let text = String(decoding: reply.body.prefix(300), as: UTF8.self)
            if reply.status >= 500 || reply.status == 429 || reply.status == 408 {
                return .failure(.unavailable("HTTP \(reply.status): \(text)"))
            }
            guard (200..<300).contains(reply.status) else { return .failure(.refused("HTTP \(reply.status): \(text)")) }
            guard let completion = try? JSONDecoder().decode(Completion.self, from: Data(reply.body)),
                  let choice = completion.choices?.first else {
                return .failure(.refused("the answer is not a chat completion: \(text)"))
            }
            return .success(JudgeReply(content: prompt.fullReply(choice.message?.content ?? ""),
                                       promptTokens: completion.usage?.prompt_tokens ?? 0,
                                       completionTokens: completion.usage?.completion_tokens ?? 0))
        }
    }
}
