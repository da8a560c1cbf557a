import Foundation

/// The models the project can fetch by name (models/catalog.tsv) and how a `--model` argument
/// becomes a file: a path to any GGUF, or a catalog name installed under models/.
public struct ModelCatalog: Equatable, Sendable {
    public static let defaultModelName = "smollm2-135m-iq4_nl"
    public static let columns = ["name", "file", "sha256", "bytes", "license", "packages", "summary"]

    public var entries: [ModelCatalogEntry]
    /// The folder the catalog's files are installed into.
    public var directory: String

    public init(entries: [ModelCatalogEntry], directory: String) {
        self.entries = entries
        self.directory = directory
    }

    /// Reads a catalog file: tab-separated, a header row naming `columns`, `#` comments.
    public static func load(path: String) throws(RouterError) -> ModelCatalog {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .catalogInvalid(path: path, reason: "cannot read the file")
        }
        var entries: [ModelCatalogEntry] = []
        var sawHeader = false
        for (number, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") && !line.isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if !sawHeader {
                guard fields == columns else { throw .catalogInvalid(path: path, reason: "the header must be: \(columns.joined(separator: " "))") }
                sawHeader = true
                continue
            }
            guard fields.count == columns.count, let bytes = UInt64(fields[3]) else {
                throw .catalogInvalid(path: path, reason: "line \(number + 1) must have \(columns.count) tab-separated fields")
            }
            let derivation = try ModelDerivation.parse(packagesColumn: fields[5], catalogPath: path)
            entries.append(ModelCatalogEntry(name: fields[0], file: fields[1], sha256: fields[2], bytes: bytes, license: fields[4],
                                             packages: derivation == nil ? fields[5].split(separator: ",").map(String.init) : [],
                                             summary: fields[6], derivation: derivation))
        }
        return ModelCatalog(entries: entries, directory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    public func entry(named name: String) -> ModelCatalogEntry? {
        entries.first { $0.name == name }
    }

    /// A short name for reports: the catalog name, or a file's name without ".gguf".
    public static func displayName(_ argument: String) -> String {
        let file = URL(fileURLWithPath: argument).lastPathComponent
        return file.hasSuffix(".gguf") ? String(file.dropLast(5)) : file
    }

    /// The command that installs a catalog model.
    public static func fetchCommand(for name: String) -> String {
        name == defaultModelName ? "make model" : "make model MODEL=\(name)"
    }

    /// The GGUF file for a `--model` argument: a catalog name (checked to be installed and of the
    /// catalogued size) or a path to an existing file (checked later, when llama.cpp loads it).
    public func resolve(_ argument: String) throws(RouterError) -> String {
        if let entry = entry(named: argument) {
            let path = directory + "/" + entry.file
            return try checkInstalled(entry, at: path)
        }
        if FileManager.default.fileExists(atPath: argument) { return argument }
        if let entry = entries.first(where: { directory + "/" + $0.file == argument || $0.file == argument }) {
            return try checkInstalled(entry, at: directory + "/" + entry.file)
        }
        if argument.contains("/") || argument.hasSuffix(".gguf") { return argument }
        throw .unknownModelName(argument, known: entries.map(\.name))
    }

    private func checkInstalled(_ entry: ModelCatalogEntry, at path: String, deriving: Set<String> = []) throws(RouterError) -> String {
        let fix = Self.fetchCommand(for: entry.name)
        if let derivation = entry.derivation, !FileManager.default.fileExists(atPath: path) {
            // Made from its base on first use (a few seconds), once the base is installed; a
            // derived base (a student cut from the requantized default) is made first.
            guard let base = self.entry(named: derivation.base), !deriving.contains(base.name), base.name != entry.name else {
                throw .catalogInvalid(path: directory + "/catalog.tsv",
                                      reason: "\(entry.name) is derived from '\(derivation.base)', which is not a catalog model it can be made from")
            }
            let basePath = directory + "/" + base.file
            guard base.derivation != nil || FileManager.default.fileExists(atPath: basePath) else {
                throw .modelNotInstalled(name: entry.name, path: basePath, fix: fix)
            }
            try derivation.install(entry, at: path, fromBaseAt: try checkInstalled(base, at: basePath, deriving: deriving.union([entry.name])))
        }
        // The size of the file itself: a symlinked model (a shared models folder) is checked
        // through its link.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target) else {
            throw .modelNotInstalled(name: entry.name, path: path, fix: fix)
        }
        let size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        guard size == entry.bytes else {
            throw .modelCorrupt(path: path, reason: "\(size) bytes, the catalog says \(entry.bytes)", fix: fix)
        }
        return path
    }
}
