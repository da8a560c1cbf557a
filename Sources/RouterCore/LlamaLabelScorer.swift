import LlamaKit

/// Scores queries with a causal LLM: one forward pass over the scoring prompt, then a softmax
/// over the logits of the five label tokens at the last position (the only position that
/// produces output). Owns its context; confine an instance to one thread.
public final class LlamaLabelScorer: LabelScoring {
    public let context: LlamaContext
    public let promptBuilder: PromptBuilder
    public let labelTokens: LabelTokens
    private let batch: LlamaBatch

    public init(model: LlamaModel, template: ScoringTemplate, configuration: LlamaContextConfiguration) throws(RouterError) {
        do {
            self.context = try LlamaContext(model: model, configuration: configuration)
        } catch {
            throw .llama(error)
        }
        self.promptBuilder = try PromptBuilder(template: template, formatter: model, tokenizer: model.vocab,
                                               contextLength: min(context.contextLength, context.batchSize))
        self.labelTokens = try LabelTokens.resolve(in: model.vocab)
        self.batch = LlamaBatch(capacity: context.batchSize)
    }

    public var templateName: String { promptBuilder.template.name }

    public func score(_ query: String) throws(RouterError) -> ScoredQuery {
        let prompt = try promptBuilder.prompt(for: query)
        return ScoredQuery(distribution: try distribution(for: prompt), truncated: prompt.truncated, promptTokens: prompt.tokenCount)
    }

    /// Decodes `prompt` from an empty memory and reads the label distribution.
    public func distribution(for prompt: ScoringPrompt) throws(RouterError) -> LabelDistribution {
        do {
            context.clearMemory()
            batch.removeAll()
            let last = try batch.append(contentsOf: prompt.tokens, startPosition: 0, lastProducesOutput: true)
            try context.decode(batch)
            let logits = try context.logits(at: last)
            return LabelDistribution(logits: labelTokens.logits(in: logits))
        } catch {
            throw .llama(error)
        }
    }
}
