import Foundation
import LlamaKit
import RouterCore
import TestSupport

/// One query's decodes, laid out by hand on a raw context.
final class ProbeBench {
    let model: LlamaModel
    let builder: PromptBuilder
    let labels: LabelTokens
    let head: LabelHead

    init() throws {
        model = try RepositoryFixture.model()
        builder = try PromptBuilder(template: RepositoryFixture.template(), formatter: model, tokenizer: model.vocab, contextLength: 1024)
        labels = try LabelTokens.resolve(in: model.vocab)
        guard let head = try RepositoryFixture.setup.head() else { throw RepositoryFixture.Failure.noShippedHead }
        self.head = head
    }

    func context(threads: Int = 2) throws -> LlamaContext {
        try LlamaContext(model: model, configuration: .init(contextLength: 3072, batchSize: 1536, sequenceCount: 3,
                                                              threads: threads, embeddings: true))
    }

    /// Appends `tokens` of `sequence` at `start...`; offsets in `outputs` produce output.
    func append(_ batch: LlamaBatch, _ tokens: ArraySlice<LlamaToken>, start: Int, sequence: Int, outputs: Set<Int>) throws -> [Int: Int] {
        var indices: [Int: Int] = [:]
        for (offset, token) in tokens.enumerated() {
            let i = try batch.append(token, position: start + offset, sequences: [sequence], producesOutput: outputs.contains(offset))
            if outputs.contains(offset) { indices[offset] = i }
        }
        return indices
    }

    func read(_ context: LlamaContext, at index: Int) throws -> ScoredQuery {
        let logits = labels.logits(in: try context.logits(at: index))
        let scored = ScoredQuery(distribution: LabelDistribution(logits: logits), truncated: false, promptTokens: 0,
                                 hiddenState: Array(try context.embeddings(at: index)), labelLogits: logits)
        return head.apply(to: scored)
    }

    /// The prefix into sequence 0 in 512-token chunks (as the engine).
    func decodePrefix(_ context: LlamaContext, _ prefix: [LlamaToken]) throws {
        let batch = LlamaBatch(capacity: 1536)
        var start = 0
        while start < prefix.count {
            let end = min(prefix.count, start + 512)
            batch.removeAll()
            _ = try append(batch, prefix[start..<end], start: start, sequence: 0, outputs: [])
            try context.decode(batch)
            start = end
        }
    }

    /// Query and suffix after the cached prefix, in decodes of `chunk` tokens; `extraOutput`
    /// also asks for output at the body's first token (two output rows in the last decode).
    func score(_ context: LlamaContext, _ prompt: ScoringPrompt, chunk: Int = 512, sequence: Int = 0,
               extraOutput: Bool = false) throws -> ScoredQuery {
        let body = prompt.query + prompt.suffix, start = prompt.prefix.count
        let batch = LlamaBatch(capacity: 1536)
        var decoded = 0, last = 0
        while decoded < body.count {
            let end = min(body.count, decoded + chunk)
            batch.removeAll()
            var outputs: Set<Int> = end == body.count ? [end - decoded - 1] : []
            if extraOutput && end == body.count { outputs.insert(0) }
            let indices = try append(batch, body[decoded..<end], start: start + decoded, sequence: sequence, outputs: outputs)
            try context.decode(batch)
            if end == body.count { last = indices[end - decoded - 1]! }
            decoded = end
        }
        return try read(context, at: last)
    }

    func reference(_ context: LlamaContext, _ prompt: ScoringPrompt) throws -> ScoredQuery {
        context.clearMemory()
        try decodePrefix(context, prompt.prefix)
        return try score(context, prompt)
    }
}
