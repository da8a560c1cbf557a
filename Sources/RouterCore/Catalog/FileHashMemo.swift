import Foundation

/// SHA-256 of (large) files, remembered per (path, size, modification time) in a small TSV file,
/// so a model file is hashed once and not on every start.
public struct FileHashMemo: Sendable {
    /// The TSV file: path, size, modification time, hash.
    public let file: String

    public init(file: String) {
        self.file = file
    }

    /// The memo in the project's cache folder.
    public init(locator: ResourceLocator) {
        self.init(file: locator.home + "/.cache/model-hashes.tsv")
    }

    /// The file's SHA-256 (lowercase hex); nil when it cannot be read. A memo that cannot be
    /// written (read-only install) only costs a re-hash next time.
    public func hash(of path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let stamp = "\(URL(fileURLWithPath: path).standardizedFileURL.path)\t\(size)\t\(modified)"
        let known = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        for line in known.split(separator: "\n") where line.hasPrefix(stamp + "\t") {
            return String(line.split(separator: "\t").last!)
        }
        guard let hash = SHA256.hex(fileAt: path) else { return nil }
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? (known + stamp + "\t" + hash + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return hash
    }
}
