import Testing
@testable import LlamaKit

@Suite(.timeLimit(.minutes(5))) struct LlamaContextTests {
    func decodeLastLogits(_ context: LlamaContext, _ text: String) throws -> [Float] {
        let tokens = try context.model.vocab.tokenize(text, addSpecial: true, parseSpecial: false)
        let batch = LlamaBatch(capacity: 64)
        let last = try batch.append(contentsOf: tokens, startPosition: 0, lastProducesOutput: true)
        context.clearMemory()
        try context.decode(batch)
        return Array(try context.logits(at: last))
    }

    @Test func decodeGivesFiniteLogitsOverTheVocabulary() throws {
        let model = try TestModel.shared()
        let context = try LlamaContext(model: model, configuration: .init(contextLength: 256, threads: 2))
        let logits = try decodeLastLogits(context, "The capital of France is")
        #expect(logits.count == model.vocab.count)
        #expect(logits.allSatisfy { $0.isFinite })
        let best = logits.indices.max { logits[$0] < logits[$1] }!
        #expect(model.vocab.piece(of: Int32(best)).contains("Paris"))
    }

    @Test func theSameInputTwiceGivesTheSameLogits() throws {
        let context = try LlamaContext(model: try TestModel.shared(), configuration: .init(contextLength: 256, threads: 2))
        let first = try decodeLastLogits(context, "How many legs does a spider have?")
        let second = try decodeLastLogits(context, "How many legs does a spider have?")
        #expect(zip(first, second).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test func embeddingsAreTheHiddenStateWhenAsked() throws {
        let model = try TestModel.shared()
        let context = try LlamaContext(model: model, configuration: .init(contextLength: 256, threads: 2, embeddings: true))
        let tokens = try model.vocab.tokenize("hello world", addSpecial: true, parseSpecial: false)
        let batch = LlamaBatch(capacity: 16)
        let last = try batch.append(contentsOf: tokens, startPosition: 0, lastProducesOutput: true)
        try context.decode(batch)
        let hidden = try context.embeddings(at: last)
        #expect(hidden.count == model.embeddingSize)
        #expect(hidden.allSatisfy { $0.isFinite } && hidden.contains { $0 != 0 })
    }

    /// The final hidden state is read from the graph (`result_norm`) at the output positions
    /// only; llama.cpp's own `embeddings` switch computes the same tensor with every position an
    /// output. Both must agree (to rounding: the last block then runs over more rows), at each of
    /// several outputs of one decode, in batch order.
    @Test func theTappedFinalStateIsLlamasOwnEmbedding() throws {
        let model = try TestModel.shared()
        var viaLlama = LlamaContextConfiguration(contextLength: 256, threads: 2, embeddings: true)
        viaLlama.finalStateFromLlama = true
        let tapped = try LlamaContext(model: model, configuration: .init(contextLength: 256, threads: 2, embeddings: true))
        let reference = try LlamaContext(model: model, configuration: viaLlama)
        let tokens = try model.vocab.tokenize("Explain why the sky is blue, briefly.", addSpecial: true, parseSpecial: false)
        let batch = LlamaBatch(capacity: 64)
        var outputs: [Int] = []
        for (i, token) in tokens.enumerated() {
            outputs.append(try batch.append(token, position: i, producesOutput: i % 3 == 2 || i == tokens.count - 1))
        }
        outputs = outputs.enumerated().filter { $0.offset % 3 == 2 || $0.offset == tokens.count - 1 }.map(\.element)
        try tapped.decode(batch)
        try reference.decode(batch)
        for index in outputs {
            let a = try tapped.embeddings(at: index), b = try reference.embeddings(at: index)
            let scale = b.map { abs($0) }.max() ?? 1
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(a.count == model.embeddingSize && worst <= 1e-3 * scale, "position \(index): differs by \(worst) (scale \(scale))")
            #expect(try tapped.logits(at: index).elementsEqual(try reference.logits(at: index)) { abs($0 - $1) < 1e-2 })
        }
        #expect(throws: LlamaError.embeddingsUnavailable(batchIndex: 0)) { try tapped.embeddings(at: 0) }
    }

    /// A pass that stops after the deepest observed block gives those blocks' outputs bit for
    /// bit as a whole pass does (what comes after cannot change them), several decodes in a row
    /// on the memory it wrote, and no logits: the output layer never ran.
    @Test func aPassStoppedAfterTheObservedBlocksReadsThemUnchanged() throws {
        let model = try TestModel.shared()
        let whole = try LlamaContext(model: model, configuration: .init(contextLength: 256, threads: 2, observedBlocks: [2, 5]))
        let stopped = try LlamaContext(model: model, configuration: .init(contextLength: 256, threads: 2, observedBlocks: [2, 5],
                                                                        stopsAfterObservedBlocks: true))
        #expect(stopped.configuration.stopBlock == 5 && whole.configuration.stopBlock == nil)
        #expect(stopped.numericsDescription != whole.numericsDescription)
        var start = 0
        for text in ["A prefix both share, decoded first.", " Then a question: why is the sky blue?"] {
            let tokens = try model.vocab.tokenize(text, addSpecial: start == 0, parseSpecial: false)
            let batch = LlamaBatch(capacity: 64)
            let last = try batch.append(contentsOf: tokens, startPosition: start, lastProducesOutput: true)
            try whole.decode(batch)
            try stopped.decode(batch)
            for k in 0..<2 {
                let a = stopped.blockOutputs(k), b = whole.blockOutputs(k)
                #expect(a.count == tokens.count * model.embeddingSize && a.elementsEqual(b), "block \(k) after \(start)")
            }
            #expect(throws: LlamaError.logitsUnavailable(batchIndex: last)) { try stopped.logits(at: last) }
            #expect(try whole.logits(at: last).count == model.vocab.count)
            start += tokens.count
        }
    }

    @Test func positionsWithoutOutputHaveNoLogits() throws {
        let model = try TestModel.shared()
        let context = try LlamaContext(model: model, configuration: .init(contextLength: 256, threads: 2))
        let batch = LlamaBatch(capacity: 8)
        try batch.append(contentsOf: [1, 2, 3], startPosition: 0, lastProducesOutput: true)
        try context.decode(batch)
        #expect(throws: LlamaError.logitsUnavailable(batchIndex: 0)) { try context.logits(at: 0) }
    }

    @Test func batchOverflowAndEmptyBatchesAreTypedErrors() throws {
        let batch = LlamaBatch(capacity: 2)
        #expect(throws: LlamaError.batchFull(capacity: 2)) {
            try batch.append(contentsOf: [1, 2, 3], startPosition: 0, lastProducesOutput: true)
        }
        #expect(batch.count == 0)
        let context = try LlamaContext(model: try TestModel.shared(), configuration: .init(contextLength: 64, threads: 1))
        #expect(throws: LlamaError.emptyBatch) { try context.decode(batch) }
    }

    @Test func aBatchBeyondTheContextIsADecodeErrorNotACrash() throws {
        let context = try LlamaContext(model: try TestModel.shared(), configuration: .init(contextLength: 64, batchSize: 64, threads: 1))
        let batch = LlamaBatch(capacity: 64)
        try batch.append(contentsOf: Array(repeating: 100, count: 60), startPosition: 0, lastProducesOutput: true)
        try context.decode(batch)
        #expect {
            try context.decode(batch)
        } throws: { error in
            if case .decodeFailed = error as? LlamaError { return true }
            return false
        }
    }
}
