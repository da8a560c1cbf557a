import Foundation
import LlamaKit

/// Scores queries with a causal LLM: one forward pass over the scoring prompt, then a softmax
/// over the logits of the five label tokens at the last position (the only position that
/// produces output). Owns its context; confine an instance to one thread.
///
/// The pass is decoded as the batch-invariant engine decodes it: the template's prefix from an
/// empty memory in chunks of `chunkSize` (the engine's `batchSize`), then the query and suffix
/// right after it in chunks of `chunkSize`, so llama.cpp picks the same kernels over the same KV
/// cells and `route` gives bit for bit the verdict `serve`, `label` and `eval` give.
public final class LlamaLabelScorer: LabelScoring {
    public let context: LlamaContext
    public let promptBuilder: PromptBuilder
    public let labelTokens: LabelTokens
    /// A learned head whose distribution replaces the zero-shot one.
    public let head: LabelHead?
    /// Most tokens per decode: the engine's `batchSize`, whose chunking this scorer repeats.
    public let chunkSize: Int
    /// Where the prefix's decoded state is kept between runs (nil: decoded once per process).
    public let prefixStore: PrefixStateStore?
    private let batch: LlamaBatch
    /// The last prefix decoded and its state: the next query with the same prefix restores it
    /// instead of decoding it again (bit for bit the same cells).
    private var prefixState: (tokens: [LlamaToken], bytes: Data)?

    public init(model: LlamaModel, template: ScoringTemplate, configuration: LlamaContextConfiguration,
                head: LabelHead? = nil, chunkSize: Int = ScoringEngineSettings().batchSize,
                prefixStore: PrefixStateStore? = nil) throws(RouterError) {
        precondition(chunkSize > 0, "a chunk holds at least one token")
        try head?.check(embeddingSize: model.embeddingSize)
        var configuration = configuration
        configuration.embeddings = configuration.embeddings || head?.features.finalState == true
        configuration.observedBlocks = Array(Set(configuration.observedBlocks + (head?.features.pooledBlocks ?? []))).sorted()
        self.head = head
        self.prefixStore = prefixStore
        do {
            self.context = try LlamaContext(model: model, configuration: configuration)
        } catch {
            throw .llama(error)
        }
        self.promptBuilder = try PromptBuilder(template: template, formatter: model, tokenizer: model.vocab,
                                               contextLength: min(context.contextLength, context.batchSize),
                                               endsAtQuery: head?.features.endsAtQuery == true)
        self.labelTokens = try LabelTokens.resolve(in: model.vocab)
        self.chunkSize = min(chunkSize, context.batchSize)
        self.batch = LlamaBatch(capacity: self.chunkSize)
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
            try preparePrefix(prompt.prefix)
            let blocks = context.configuration.observedBlocks.count
            var pooled = PooledBlockSums(blocks: blocks, width: context.model.embeddingSize)
            let queryCount = prompt.query.count
            let last = try decode(prompt.query + prompt.suffix, from: prompt.prefix.count, outputAtEnd: true) { decoded, count in
                let ofQuery = min(count, max(0, queryCount - decoded))
                if ofQuery > 0 && blocks > 0 { pooled.add(from: context, rows: 0..<ofQuery) }
            }
            let labelLogits = labelTokens.logits(in: try context.logits(at: last))
            let hidden = context.configuration.embeddings ? Array(try context.embeddings(at: last)) : nil
            return ScoredQuery(distribution: LabelDistribution(logits: labelLogits), truncated: prompt.truncated,
                               promptTokens: prompt.tokenCount, hiddenState: hidden, labelLogits: labelLogits,
                               pooledStates: pooled.mean(over: queryCount), promptStatistics: prompt.statistics)
        } catch {
            throw .llama(error)
        }
    }

    /// Puts `prefix` into sequence 0 of the empty memory: restored from the last query's or the
    /// store's state when there is one, else decoded (and its state kept for the next).
    private func preparePrefix(_ prefix: [LlamaToken]) throws(LlamaError) {
        if let saved = prefixState, saved.tokens == prefix {
            let restored = saved.bytes.withUnsafeBytes { bytes in
                (try? context.restoreSequenceState(bytes, into: 0)) != nil
            }
            if restored { return }
            prefixState = nil
        } else if let saved = prefixStore?.restore(prefix: prefix, into: context, sequence: 0) {
            prefixState = (prefix, saved)
            return
        }
        try decode(prefix, from: 0, outputAtEnd: false) { _, _ in }
        guard !prefix.isEmpty else { return }
        let bytes = context.sequenceState(of: 0)
        prefixStore?.save(bytes, prefix: prefix, context: context)
        prefixState = (prefix, Data(bytes))
    }

    /// Decodes `tokens` of sequence 0 at positions `start...` in chunks of `chunkSize`, calling
    /// `afterChunk(tokens decoded before it, its count)` after each; the last token produces
    /// output when `outputAtEnd`. Returns the last token's batch index.
    @discardableResult
    private func decode(_ tokens: [LlamaToken], from start: Int, outputAtEnd: Bool,
                        afterChunk: (Int, Int) -> Void) throws(LlamaError) -> Int {
        var decoded = 0, last = 0
        while decoded < tokens.count {
            let count = min(chunkSize, tokens.count - decoded)
            batch.removeAll()
            last = try batch.append(contentsOf: Array(tokens[decoded..<decoded + count]), startPosition: start + decoded,
                                    lastProducesOutput: outputAtEnd && decoded + count == tokens.count)
            try context.decode(batch)
            afterChunk(decoded, count)
            decoded += count
        }
        return last
    }
}
