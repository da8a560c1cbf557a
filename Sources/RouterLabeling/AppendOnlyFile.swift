import Foundation
import Glibc

/// A JSON-lines file written for crash safety: opened for appending, every line written with a
/// single write(2) of the whole line and its "\n", so a kill at any moment leaves complete lines
/// and at most one torn last line, which `recover` cuts off before a resumed run appends.
public final class AppendOnlyFile {
    public let path: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool

    /// Opens (creating) `path` for appending; "-" means standard output.
    public init(path: String) throws(LabelError) {
        self.path = path
        if path == "-" {
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        descriptor = fd
        ownsDescriptor = true
    }

    deinit {
        if ownsDescriptor { Glibc.close(descriptor) }
    }

    public func append(_ line: String) throws(LabelError) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
            offset += n
        }
    }

    /// Flushes to the disk (kill -9 loses nothing written already; this also covers power loss).
    public func sync() {
        if ownsDescriptor { fsync(descriptor) }
    }

    /// The complete lines of an existing file, after cutting off a torn last line (one without
    /// its "\n"). A missing file has no lines.
    public static func recover(path: String) throws(LabelError) -> [Data] {
        guard path != "-", let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return [] }
        var end = data.count
        if data.last != 10 {
            end = (data.lastIndex(of: 10).map { $0 + 1 }) ?? 0
            guard truncate(path, off_t(end)) == 0 else {
                throw .cannotWrite(path: path, reason: "cannot cut off its torn last line: \(String(cString: strerror(errno)))")
            }
        }
        return data[..<end].split(separator: 10).map { Data($0) }
    }
}
