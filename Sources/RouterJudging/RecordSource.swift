import Foundation
import RouterLabeling

/// The lines of the records to judge: one file, or every `records-*.jsonl` in a folder in name
/// order, read as a stream (bounded memory). Blank lines are passed over.
public final class RecordSource {
    public let files: [String]
    private var index = 0
    private var reader: LineReader?
    private var handle: FileHandle?

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
    }

    /// The next non-blank line and where it is ("file:line"), or nil at the end of the last file.
    public func next() throws(JudgeError) -> (line: ArraySlice<UInt8>, source: String)? {
        while index < files.count {
            if reader == nil {
                guard let file = FileHandle(forReadingAtPath: files[index]) else { throw .cannotOpen(files[index]) }
                handle = file
                reader = LineReader(handle: file)
            }
            while let line = reader!.next() {
                if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
                return (line, "\((files[index] as NSString).lastPathComponent):\(reader!.lineNumber)")
            }
            try? handle?.close()
            reader = nil
            handle = nil
            index += 1
        }
        return nil
    }
}
