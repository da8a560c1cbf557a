import Foundation

/// Every record `label` reads from a query log, as `label` reads it (RecordReader): its line,
/// id and what it holds. Public for the fuzz targets (Fuzz/Records).
public enum QueryLogCheck {
    public struct Record: Equatable, Sendable {
        public var line: Int
        /// The id as the output's JSON writes it.
        public var id: String
        /// `query`, `conversation` (with the number of messages) or `invalid: <reason>`.
        public var content: String
    }

    public static func records(handle: FileHandle, format: InputFormat, field: String? = nil,
                               idField: String? = nil, chunkSize: Int = 1 << 20) throws(LabelError) -> [Record] {
        let reader = try RecordReader(handle: handle, format: format, field: field, idField: idField, chunkSize: chunkSize)
        var records: [Record] = []
        while let record = reader.next() {
            let content: String
            switch record.content {
            case .query: content = "query"
            case .conversation(let messages): content = "conversation(\(messages.count))"
            case .invalid(let reason): content = "invalid: \(reason)"
            }
            records.append(Record(line: record.line, id: record.id.serialized, content: content))
        }
        return records
    }
}
