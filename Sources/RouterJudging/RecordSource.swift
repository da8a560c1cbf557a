import Foundation
import RouterLabeling

/// The lines of the records to judge: one file, or every `records-*.jsonl` in a folder in name
/// order, read as a stream (bounded memory). Blank lines are passed over. In a folder, a file's
/// last line without its newline is a record still being written (`serve --record` appends to
/// the newest file): it is left for a later run, not read as a broken record.
public final class RecordSource {
    public let files: [String]
    private let isFolder: Bool
    private var index = 0
    private var reader: LineReader?
    private var handle: FileHandle?
    private var endsWithNewline = true
    /// The line read ahead, so the last line of a file is known as such.
    private var ahead: (line: ArraySlice<UInt8>, number: Int)?
    /// "file:line" of the unfinished last lines left for a later run.
    public private(set) var unfinished: [String] = []

    /// The files `input` names; an error when it is neither a readable file nor a folder with records.
    public static func files(input: String) throws(JudgeError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else { throw .cannotOpen(input) }
        guard isDirectory.boolValue else { return [input] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []
        let records = names.filter { $0.hasPrefix("records-") && $0.hasSuffix(".jsonl") }.sorted()
        guard !records.isEmpty else { throw .noRecords(folder: input) }
        return records.map { (input as NSString).appendingPathComponent($0) }
    }

    public init(input: String) throws(JudgeError) {
        files = try Self.files(input: input)
        var isDirectory: ObjCBool = false
        isFolder = FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The next non-blank line and where it is ("file:line"), or nil at the end of the last file.
    public func next() throws(JudgeError) -> (line: ArraySlice<UInt8>, source: String)? {
        while index < files.count {
            if reader == nil {
                guard let file = FileHandle(forReadingAtPath: files[index]) else { throw .cannotOpen(files[index]) }
                handle = file
                endsWithNewline = Self.endsWithNewline(file)
                reader = LineReader(handle: file)
                ahead = Self.nextLine(reader!)
            }
            let name = (files[index] as NSString).lastPathComponent
            if let current = ahead {
                ahead = Self.nextLine(reader!)
                if ahead == nil && isFolder && !endsWithNewline {
                    unfinished.append("\(name):\(current.number)")
                    continue
                }
                return (current.line, "\(name):\(current.number)")
            }
            try? handle?.close()
            reader = nil
            handle = nil
            index += 1
        }
        return nil
    }

    private static func nextLine(_ reader: LineReader) -> (line: ArraySlice<UInt8>, number: Int)? {
        while let line = reader.next() {
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            return (line, reader.lineNumber)
        }
        return nil
    }

    /// Whether the file's last byte is a newline (an empty file counts as ending with one); the
    /// handle is left at the start.
    private static func endsWithNewline(_ file: FileHandle) -> Bool {
        let size = file.seekToEndOfFile()
        guard size > 0 else { return true }
        file.seek(toFileOffset: size - 1)
        let last = file.readData(ofLength: 1)
        file.seek(toFileOffset: 0)
        return last.first == 10
    }
}
