import LlamaKit
@testable import RouterCore

/// One token per Unicode scalar; with `parseSpecial`, the text "<|s|>" is the single token `special`.
struct CharacterTokenizer: Tokenizing {
    static let special: LlamaToken = 1_000_000
    var addedBeginningOfSequence: LlamaToken?

    func tokens(of text: String, parseSpecial: Bool) throws(RouterError) -> [LlamaToken] {
        if parseSpecial, text.contains("<|s|>") {
            let parts = text.components(separatedBy: "<|s|>")
            var tokens: [LlamaToken] = []
            for (i, part) in parts.enumerated() {
                if i > 0 { tokens.append(Self.special) }
                tokens += part.unicodeScalars.map { LlamaToken($0.value) }
            }
            return tokens
        }
        return text.unicodeScalars.map { LlamaToken($0.value) }
    }

    func text(of tokens: [LlamaToken]) throws(RouterError) -> String {
        String(String.UnicodeScalarView(tokens.compactMap { Unicode.Scalar(UInt32($0)) }))
    }
}

/// A chat format like ChatML, with "<|s|>" as its only special marker.
struct FakeChatFormatter: ChatFormatting {
    func format(_ messages: [LlamaChatMessage], addAssistantPrompt: Bool) throws(RouterError) -> String {
        messages.map { "<|s|>\($0.role)\n\($0.content)\n" }.joined() + (addAssistantPrompt ? "<|s|>assistant\n" : "")
    }
}
