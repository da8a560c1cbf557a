import Foundation
import LlamaKit
import Testing

@Suite(.timeLimit(.minutes(5))) struct GGUFLayerTruncationTests {
    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID().uuidString)-\(name)").path
    }

    @Test func aCutModelKeepsItsFirstBlocksAndRuns() throws {
        let source = try GGUFLayerTruncation.summary(of: TestModel.path)
        #expect(source.architecture == "llama" && source.blockCount == 30)
        let path = temporary("l4.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try GGUFLayerTruncation.write(source: TestModel.path, destination: path, layers: 4)
        let cut = try GGUFLayerTruncation.summary(of: path)
        #expect(cut.blockCount == 4)
        #expect(cut.tensorCount < source.tensorCount)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let full = try #require(try FileManager.default.attributesOfItem(atPath: TestModel.path)[.size] as? Int)
        #expect(size < full / 2)

        // llama.cpp loads it, with the full model's width and vocabulary, and decodes with it.
        let model = try LlamaModel(path: path)
        #expect(model.embeddingSize == (try TestModel.shared()).embeddingSize)
        let context = try LlamaContext(model: model, configuration: LlamaContextConfiguration(contextLength: 256, threads: 2, embeddings: true))
        let tokens = try model.vocab.tokenize("The capital of France is", addSpecial: true, parseSpecial: false)
        let batch = LlamaBatch(capacity: 256)
        let last = try batch.append(contentsOf: tokens, startPosition: 0, lastProducesOutput: true)
        try context.decode(batch)
        let hidden = try context.embeddings(at: last)
        #expect(hidden.count == model.embeddingSize && hidden.allSatisfy { $0.isFinite })
    }

    @Test func badRequestsAreRefusedWithTheReason() throws {
        #expect(throws: GGUFLayerTruncation.Failure.self) {
            try GGUFLayerTruncation.write(source: TestModel.path, destination: temporary("x.gguf"), layers: 30)
        }
        let text = temporary("not.gguf")
        try Data("hello, not a model at all; padding padding".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: GGUFLayerTruncation.Failure(description: "\(text) is not a GGUF file")) { try GGUFLayerTruncation.summary(of: text) }
        // A header cut short is an error, not a crash.
        let full = try Data(contentsOf: URL(fileURLWithPath: TestModel.path))
        let short = temporary("short.gguf")
        try full.prefix(4096).write(to: URL(fileURLWithPath: short))
        #expect(throws: GGUFLayerTruncation.Failure.self) { try GGUFLayerTruncation.summary(of: short) }
    }
}
