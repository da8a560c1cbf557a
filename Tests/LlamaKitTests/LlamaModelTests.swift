import Foundation
import Testing
import LlamaKit

@Suite(.timeLimit(.minutes(5))) struct LlamaModelTests {
    @Test func loadsTheDefaultModel() throws {
        let model = try TestModel.shared()
        #expect(model.vocab.count == 49_152)
        #expect(model.embeddingSize == 576)
        #expect(model.trainingContextLength >= 2048)
        #expect(model.sizeInBytes > 50_000_000)
        #expect(model.summary.lowercased().contains("llama"))
        #expect(model.chatTemplate?.contains("im_start") == true)
    }

    @Test func tokenizeDetokenizeRoundTrip() throws {
        let vocab = try TestModel.shared().vocab
        let text = "Natalia sold clips to 48 of her friends in April. Ünïcödé → ok?"
        let tokens = try vocab.tokenize(text, addSpecial: false, parseSpecial: false)
        #expect(tokens.count > 10 && tokens.count < text.utf8.count)
        #expect(try vocab.detokenize(tokens) == text)
        #expect(String(decoding: tokens.flatMap { vocab.pieceBytes(of: $0) }, as: UTF8.self) == text, "pieces may split a character; their bytes join back")
    }

    @Test func specialTokensAreParsedOnlyWhenAsked() throws {
        let vocab = try TestModel.shared().vocab
        #expect(try vocab.tokenize("<|im_start|>", addSpecial: false, parseSpecial: true).count == 1)
        #expect(try vocab.tokenize("<|im_start|>", addSpecial: false, parseSpecial: false).count > 1)
    }

    @Test func chatTemplateFormatsAConversation() throws {
        let text = try TestModel.shared().applyChatTemplate(
            [LlamaChatMessage(role: "system", content: "S"), LlamaChatMessage(role: "user", content: "U")],
            addAssistantPrompt: true)
        #expect(text == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func aMissingFileIsReportedAsSuch() {
        #expect(throws: LlamaError.modelFileNotFound(path: "/nonexistent/model.gguf")) {
            try LlamaModel(path: "/nonexistent/model.gguf")
        }
    }

    @Test func aFileThatIsNotGGUFIsRefusedBeforeLlamaSeesIt() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-model-\(UUID()).gguf").path
        try Data("this is not a model".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: LlamaError.notGGUF(path: path)) { try LlamaModel(path: path) }
    }

    @Test func aTruncatedGGUFFailsToLoadWithoutCrashing() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID()).gguf").path
        let handle = try #require(FileHandle(forReadingAtPath: TestModel.path))
        let head = try #require(try handle.read(upToCount: 1_000_000))
        try handle.close()
        try head.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: LlamaError.modelLoadFailed(path: path)) { try LlamaModel(path: path) }
    }
}
