import FuzzSupport
import RouterLabeling

/// The query-log readers of `label` on arbitrary bytes, as JSONL (with and without a dotted
/// --field/--id-field), CSV (header row, quoted fields across lines) and text: each reads to
/// the end, a record per line at most, line numbers rising, and the same records whether the
/// file is read in one chunk or in chunks of a few bytes (lines across chunk boundaries).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecords(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let lines = input.reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
    let readings: [(InputFormat, String?, String?)] = [
        (.jsonl, nil, nil), (.jsonl, "messages.0.content", "meta.id"), (.csv, nil, nil), (.csv, "query", "id"), (.text, nil, nil),
    ]
    let chunkSize = 1 + Int(input.first ?? 0) % 13
    for (format, field, idField) in readings {
        func read(chunkSize: Int) -> [QueryLogCheck.Record]? {
            let handle = RecordsFuzz.file.write(input)
            defer { try? handle.close() }
            return try? QueryLogCheck.records(handle: handle, format: format, field: field, idField: idField, chunkSize: chunkSize)
        }
        let records = read(chunkSize: 4096)
        let chunked = read(chunkSize: chunkSize)
        FuzzCheck.require(records == chunked, "\(format): \(String(describing: records)) in one chunk, \(String(describing: chunked)) in chunks of \(chunkSize)")
        guard let records else { continue }
        FuzzCheck.require(records.count <= lines, "\(records.count) records from \(lines) lines")
        var previous = 0
        for record in records {
            FuzzCheck.require(record.line > previous && record.line <= lines, "record at line \(record.line) after \(previous)")
            previous = record.line
        }
    }
    return 0
}

enum RecordsFuzz {
    nonisolated(unsafe) static let file = FuzzScratchFile("fuzz-records")
}

#if !FUZZING
@main struct RecordsFuzzReplay {
    static func main() { FuzzReplay.run(fuzzRecords) }
}
#endif
