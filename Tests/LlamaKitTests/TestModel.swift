import Foundation
import LlamaKit

/// The real default model (SmolLM2-135M), installed by `make model`; loaded once per test run.
/// A missing model fails the tests that need it: it is never skipped.
enum TestModel {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let path = root + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    private static let loaded = Result { () throws(LlamaError) -> LlamaModel in try LlamaModel(path: path) }

    static func shared() throws -> LlamaModel {
        try loaded.get()
    }
}
