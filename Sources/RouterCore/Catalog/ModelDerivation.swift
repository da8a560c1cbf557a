import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LlamaKit

/// How a catalog model is made from another one instead of fetched: the base model's weights
/// requantized to a format llama.cpp's CPU backend runs faster (`LlamaQuantization`), or its first
/// K transformer blocks kept (`EarlyExitModel`: a distilled student's model). Written in the
/// catalog's packages column as `derived:<base name>:<format>` (e.g. `derived:smollm2-135m:Q4_0`)
/// or `derived:<base name>:blocks-K`. The result is pinned by the entry's SHA-256 like a fetched
/// file: llama.cpp's quantizer and the truncation write the same bytes for the same input and
/// version, whatever the machine or thread count.
public struct ModelDerivation: Equatable, Sendable {
    public static let marker = "derived:"

    /// What is done to the base model's file.
    public enum Step: Equatable, Sendable {
        case quantize(LlamaQuantization.Format)
        /// Keep the first `blocks` transformer blocks.
        case truncate(blocks: Int)

        /// The packages column's last field.
        var name: String {
            switch self {
            case .quantize(let format): return format.rawValue
            case .truncate(let blocks): return "blocks-\(blocks)"
            }
        }

        /// What the step makes, in words (fetch's and errors' messages).
        var summary: String {
            switch self {
            case .quantize(let format): return "quantizing to \(format.rawValue)"
            case .truncate(let blocks): return "keeping the first \(blocks) blocks"
            }
        }
    }

    public var base: String
    public var step: Step

    public init(base: String, step: Step) {
        self.base = base
        self.step = step
    }

    public init(base: String, format: LlamaQuantization.Format) {
        self.init(base: base, step: .quantize(format))
    }

    /// The derivation a packages column names, nil for pip packages; throws on a `derived:`
    /// value that is not `derived:<base>:<format>` with a format `LlamaQuantization` writes, or
    /// `derived:<base>:blocks-K` with K >= 1.
    public static func parse(packagesColumn: String, catalogPath: String) throws(RouterError) -> ModelDerivation? {
        guard packagesColumn.hasPrefix(marker) else { return nil }
        let parts = packagesColumn.dropFirst(marker.count).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let formats = QuantizedModel.formatNames.joined(separator: ", ")
        let step: Step?
        if parts.count == 2, parts[1].hasPrefix("blocks-") {
            step = Int(parts[1].dropFirst("blocks-".count)).flatMap { $0 >= 1 ? .truncate(blocks: $0) : nil }
        } else {
            step = parts.count == 2 ? LlamaQuantization.Format(name: parts[1]).map(Step.quantize) : nil
        }
        guard parts.count == 2, !parts[0].isEmpty, let step else {
            throw .catalogInvalid(path: catalogPath,
                                  reason: "'\(packagesColumn)' must be derived:<base name>:<format> with a format of \(formats), "
                                      + "or derived:<base name>:blocks-K")
        }
        return ModelDerivation(base: parts[0], step: step)
    }

    /// The packages column for this derivation.
    public var packagesColumn: String { Self.marker + base + ":" + step.name }

    /// Writes `entry`'s file at `path` from the base model at `basePath`: quantized (or cut) into a
    /// temporary file beside it, checked against the entry's size and SHA-256, then renamed into
    /// place (so a reader never sees half a file and two processes deriving at once both end
    /// with the right file). A result that differs from the catalog is deleted and reported.
    public func install(_ entry: ModelCatalogEntry, at path: String, fromBaseAt basePath: String) throws(RouterError) {
        let partial = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        do {
            switch step {
            case .quantize(let format):
                try LlamaQuantization.quantize(source: basePath, destination: partial, format: format,
                                               threads: ProcessInfo.processInfo.activeProcessorCount)
            case .truncate(let blocks):
                try GGUFLayerTruncation.write(source: basePath, destination: partial, layers: blocks)
            }
        } catch {
            throw .modelCorrupt(path: path, reason: "deriving it from \(basePath) failed: \(String(describing: error))",
                                fix: ModelCatalog.fetchCommand(for: entry.name))
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: partial))?[.size] as? NSNumber)?.uint64Value ?? 0
        let digest = size == entry.bytes ? SHA256.hex(fileAt: partial) ?? "" : "(not hashed)"
        guard size == entry.bytes, digest == entry.sha256 else {
            throw .modelCorrupt(path: path,
                                reason: "\(step.summary) of \(base) gave \(size) bytes with SHA-256 \(digest.prefix(12))..., "
                                    + "the catalog pins \(entry.bytes) bytes, \(entry.sha256.prefix(12))... (another llama.cpp version?)",
                                fix: "make llama && make model MODEL=\(entry.name)")
        }
        guard rename(partial, path) == 0 else {
            throw .modelCorrupt(path: path, reason: "cannot move the derived file into place (errno \(errno))", fix: "check the models folder's permissions")
        }
    }
}
