import Foundation
import Glibc
import RouterCore

/// The record files in `serve --record`'s folder: `records-<UTC time>-<sequence>.jsonl`, so
/// sorting the names sorts them by time. At start the newest file's torn last line (a kill mid
/// write) is cut off and appending goes on there; a new file is started once the current one has
/// passed `maxFileBytes`. Files are created 0600 in a folder created 0700 (records hold users'
/// queries). Used only by the writer thread.
final class RecordFileSet {
    let directory: String
    let maxFileBytes: Int
    private var current: AppendOnlyFile
    private var currentBytes: Int
    private var sequence: Int

    static let prefix = "records-"
    static let suffix = ".jsonl"

    init(directory: String, maxFileBytes: Int) throws(RecordingError) {
        self.directory = directory
        self.maxFileBytes = maxFileBytes
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw .notAFolder(directory) }
        } else if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw .notWritable(directory, reason: String(cString: strerror(errno)))
        }
        guard access(directory, W_OK | X_OK) == 0 else { throw .notWritable(directory, reason: String(cString: strerror(errno))) }
        let existing = Self.recordFiles(in: directory)
        sequence = existing.last.flatMap(Self.sequence(of:)) ?? 0
        do throws(AppendOnlyFileError) {
            if let newest = existing.last {
                let path = directory + "/" + newest
                _ = try AppendOnlyFile.recover(path: path)
                current = try AppendOnlyFile(path: path, mode: 0o600)
                currentBytes = current.size
            } else {
                sequence += 1
                current = try AppendOnlyFile(path: directory + "/" + Self.name(sequence: sequence, at: Date()), mode: 0o600)
                currentBytes = 0
            }
        } catch {
            throw .file(error)
        }
    }

    /// The file being appended to.
    var currentPath: String { current.path }

    /// Appends one record line; starts the next file first when the current one is full.
    func append(_ line: String) throws(AppendOnlyFileError) {
        if currentBytes >= maxFileBytes {
            current.sync()
            sequence += 1
            current = try AppendOnlyFile(path: directory + "/" + Self.name(sequence: sequence, at: Date()), mode: 0o600)
            currentBytes = 0
        }
        try current.append(line)
        currentBytes += line.utf8.count + 1
    }

    func sync() {
        current.sync()
    }

    /// The record files' names in the folder, oldest first.
    static func recordFiles(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) && sequence(of: $0) != nil }
            .sorted()
    }

    /// `records-20261207T033501Z-0001.jsonl`: the time first (names sort by time), then a sequence
    /// number that keeps files started within one second apart and in order.
    static func name(sequence: Int, at date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let stamp = String(format: "%04d%02d%02dT%02d%02d%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                           Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        return prefix + stamp + "-" + String(format: "%04d", sequence) + suffix
    }

    /// The sequence number in a record file's name.
    static func sequence(of name: String) -> Int? {
        let stem = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard let dash = stem.lastIndex(of: "-") else { return nil }
        return Int(stem[stem.index(after: dash)...])
    }
}
