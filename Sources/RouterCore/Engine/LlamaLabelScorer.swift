import LlamaKit

/// Scores queries with a causal LLM: one forward pass over the scoring prompt, then a softmax
/// over the logits of the five label tokens at the last position (the only position that
/// produces output). Owns its context; confine an instance to one thread.
public final class LlamaLabelScorer: LabelScoring {
    public let context: LlamaContext
    public let promptBuilder: PromptBuilder
    public let labelTokens: LabelTokens
    /// A learned head whose distribution replaces the zero-shot one.
    public let head: LabelHead?
    private let batch: LlamaBatch

    public init(model: LlamaModel, template: ScoringTemplate, configuration: LlamaContextConfiguration,
                head: LabelHead? = nil) throws(RouterError) {
        try head?.check(embeddingSize: model.embeddingSize)
        var configuration = configuration
        configuration.embeddings = configuration.embeddings || head?.features.finalState == true
        configuration.observedBlocks = Array(Set(configuration.observedBlocks + (head?.features.pooledBlocks ?? []))).sorted()
        self.head = head
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
        let scored = try score(prompt)
        return head?.apply(to: scored) ?? scored
    }

    /// Decodes `prompt` from an empty memory and reads the zero-shot label distribution (and
    /// the hidden state when the context returns embeddings).
    public func score(_ prompt: ScoringPrompt) throws(RouterError) -> ScoredQuery {
        do {
            context.clearMemory()
            batch.removeAll()
            let last = try batch.append(contentsOf: prompt.tokens, startPosition: 0, lastProducesOutput: true)
            try context.decode(batch)
            let labelLogits = labelTokens.logits(in: try context.logits(at: last))
            let hidden = context.configuration.embeddings ? Array(try context.embeddings(at: last)) : nil
            return ScoredQuery(distribution: LabelDistribution(logits: labelLogits), truncated: prompt.truncated,
                               promptTokens: prompt.tokenCount, hiddenState: hidden, labelLogits: labelLogits,
                               pooledStates: pooledStates(of: prompt), promptStatistics: prompt.statistics)
        } catch {
            throw .llama(error)
        }
    }

    /// The observed blocks' outputs averaged over the query's positions of the last decode.
    private func pooledStates(of prompt: ScoringPrompt) -> [Float]? {
        let blocks = context.configuration.observedBlocks.count
        guard blocks > 0 else { return nil }
        let width = context.model.embeddingSize
        let rows = prompt.prefix.count..<(prompt.prefix.count + prompt.query.count)
        var pooled = [Float](repeating: 0, count: blocks * width)
        for k in 0..<blocks {
            let outputs = context.blockOutputs(k)
            for row in rows { for j in 0..<width { pooled[k * width + j] += outputs[row * width + j] } }
        }
        let count = Float(max(1, rows.count))
        return pooled.map { $0 / count }
    }
}
