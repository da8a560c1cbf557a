import LlamaKit

/// Formats a conversation the way a model was trained to read it (its chat template).
public protocol ChatFormatting {
    func format(_ messages: [LlamaChatMessage], addAssistantPrompt: Bool) throws(RouterError) -> String
}

extension LlamaModel: ChatFormatting {
    public func format(_ messages: [LlamaChatMessage], addAssistantPrompt: Bool) throws(RouterError) -> String {
        do {
            return try applyChatTemplate(messages, addAssistantPrompt: addAssistantPrompt)
        } catch {
            throw .llama(error)
        }
    }
}
