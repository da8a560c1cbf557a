import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LlamaKit

/// How a catalog model is made from another one instead of fetched: the base model's weights
/// requantized to a format llama.cpp's CPU backend runs faster (`LlamaQuantization`). Written in
/// the catalog's packages column as `derived:<base name>:<format>` (e.g. `derived:smollm2-135m:Q4_0`).
/// The result is pinned by the entry's SHA-256 like a fetched file: llama.cpp's quantizer writes
/// the same bytes for the same input and version, whatever the machine or thread count.
public struct ModelDerivation: Equatable, Sendable {
    public static let marker = "derived:"

    public var base: String
    public var format: LlamaQuantization.Format

    public init(base: String, format: LlamaQuantization.Format) {
        self.base = base
        self.format = format
    }

    /// The derivation a packages column names, nil for pip packages; throws on a `derived:`
    /// value that is not `derived:<base>:<format>` with a format `LlamaQuantization` writes.
    public static func parse(packagesColumn: String, catalogPath: String) throws(RouterError) -> ModelDerivation? {
        guard packagesColumn.hasPrefix(marker) else { return nil }
        let parts = packagesColumn.dropFirst(marker.count).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let formats = QuantizedModel.formatNames.joined(separator: ", ")
        guard parts.count == 2, !parts[0].isEmpty, let format = LlamaQuantization.Format(name: parts[1]) else {
            throw .catalogInvalid(path: catalogPath,
                                  reason: "'\(packagesColumn)' must be derived:<base name>:<format> with a format of \(formats)")
        }
        return ModelDerivation(base: parts[0], format: format)
    }

    /// The packages column for this derivation.
    public var packagesColumn: String { Self.marker + base + ":" + format.rawValue }

    /// Writes `entry`'s file at `path` from the base model at `basePath`: quantized into a
    /// temporary file beside it, checked against the entry's size and SHA-256, then renamed into
    /// place (so a reader never sees half a file and two processes deriving at once both end
    /// with the right file). A result that differs from the catalog is deleted and reported.
    public func install(_ entry: ModelCatalogEntry, at path: String, fromBaseAt basePath: String) throws(RouterError) {
        let partial = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        do {
            try LlamaQuantization.quantize(source: basePath, destination: partial, format: format,
                                           threads: ProcessInfo.processInfo.activeProcessorCount)
        } catch {
            throw .modelCorrupt(path: path, reason: "deriving it from \(basePath) failed: \(error.description)",
                                fix: ModelCatalog.fetchCommand(for: entry.name))
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: partial))?[.size] as? NSNumber)?.uint64Value ?? 0
        let digest = size == entry.bytes ? SHA256.hex(fileAt: partial) ?? "" : "(not hashed)"
        guard size == entry.bytes, digest == entry.sha256 else {
            throw .modelCorrupt(path: path,
                                reason: "quantizing \(base) to \(format.rawValue) gave \(size) bytes with SHA-256 \(digest.prefix(12))..., "
                                    + "the catalog pins \(entry.bytes) bytes, \(entry.sha256.prefix(12))... (another llama.cpp version?)",
                                fix: "make llama && make model MODEL=\(entry.name)")
        }
        guard rename(partial, path) == 0 else {
            throw .modelCorrupt(path: path, reason: "cannot move the derived file into place (errno \(errno))", fix: "check the models folder's permissions")
        }
    }
}
