import Foundation
import RouterCore

/// Reads query records from a log in one of the `InputFormat`s, streaming.
final class RecordReader {
    static let autoFields = ["prompt", "query", "messages"]
    static let csvAutoColumns = ["prompt", "query", "question", "text"]

    private let lines: LineReader
    private let format: InputFormat
    private let field: [String]?
    private let idField: [String]?
    private var csvQueryColumn = 0
    private var csvIDColumn: Int?
    private var csvParser = CSVRecordParser()

    init(handle: FileHandle, format: InputFormat, field: String?, idField: String?, chunkSize: Int = 1 << 20) throws(LabelError) {
        self.lines = LineReader(handle: handle, chunkSize: chunkSize)
        self.format = format
        self.field = field.map { $0.split(separator: ".").map(String.init) }
        self.idField = idField.map { $0.split(separator: ".").map(String.init) }
        if format == .csv { try readCSVHeader(field: field, idField: idField) }
    }

    /// The next record, or nil at the end of the input.
    func next() -> QueryRecord? {
        switch format {
        case .text:
            guard let line = lines.next() else { return nil }
            let text = String(decoding: line, as: UTF8.self)
            return QueryRecord(line: lines.lineNumber, id: .int(lines.lineNumber), content: Self.query(text))
        case .jsonl:
            while let line = lines.next() {
                if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                return jsonRecord(line, number: lines.lineNumber)
            }
            return nil
        case .csv:
            var first = 0
            while let line = lines.next() {
                if first == 0 { first = lines.lineNumber }
                switch csvParser.feed(line) {
                case .needsMoreLines: continue
                case .malformed(let reason): return QueryRecord(line: first, id: .int(first), content: .invalid("malformed CSV: \(reason)"))
                case .record(let fields):
                    if fields == [""] { first = 0; continue }
                    return csvRecord(fields, number: first)
                }
            }
            if first != 0 && csvParser.isInsideQuotes {
                return QueryRecord(line: first, id: .int(first), content: .invalid("malformed CSV: a quoted field is never closed"))
            }
            return nil
        }
    }

    private static func query(_ text: String) -> QueryRecord.Content {
        text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? .invalid("empty query") : .query(text)
    }

    private func jsonRecord(_ line: ArraySlice<UInt8>, number: Int) -> QueryRecord {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)), let row = object as? [String: Any] else {
            return QueryRecord(line: number, id: .int(number), content: .invalid("not a JSON object"))
        }
        let id = (idField.flatMap { Self.lookup($0, in: row) } ?? row["id"]).flatMap(Self.jsonValue) ?? .int(number)
        let value: Any
        let name: String
        if let field {
            name = field.joined(separator: ".")
            guard let found = Self.lookup(field, in: row) else {
                return QueryRecord(line: number, id: id, content: .invalid("no field \"\(name)\""))
            }
            value = found
        } else {
            guard let key = Self.autoFields.first(where: { row[$0] != nil }) else {
                return QueryRecord(line: number, id: id, content: .invalid("no \"prompt\", \"query\" or \"messages\" field (name one with --field)"))
            }
            name = key
            value = row[key]!
        }
        if let text = value as? String { return QueryRecord(line: number, id: id, content: Self.query(text)) }
        if let list = value as? [Any], let messages = Self.messages(list) {
            return QueryRecord(line: number, id: id, content: .conversation(messages))
        }
        return QueryRecord(line: number, id: id, content: .invalid("\"\(name)\" is neither a string nor a list of chat messages"))
    }

    private static func messages(_ list: [Any]) -> [ConversationQuery.Message]? {
        var messages: [ConversationQuery.Message] = []
        for item in list {
            guard let message = item as? [String: Any], let role = message["role"] as? String else { return nil }
            if let text = message["content"] as? String {
                messages.append(.init(role: role, content: text))
            } else if let parts = message["content"] as? [[String: Any]] {
                messages.append(.init(role: role, content: parts.compactMap { $0["text"] as? String }.joined(separator: "\n")))
            } else {
                return nil
            }
        }
        return messages
    }

    private static func lookup(_ path: [String], in row: [String: Any]) -> Any? {
        var current: Any = row
        for key in path {
            if let object = current as? [String: Any], let next = object[key] {
                current = next
            } else if let list = current as? [Any], let index = Int(key), list.indices.contains(index) {
                current = list[index]
            } else {
                return nil
            }
        }
        return current
    }

    private static func jsonValue(_ value: Any) -> JSONValue? {
        if let text = value as? String { return .string(text) }
        if let number = value as? NSNumber {
            let double = number.doubleValue
            return double == double.rounded() && abs(double) < 1e15 ? .int(Int(double)) : .number(double)
        }
        return nil
    }

    private func readCSVHeader(field: String?, idField: String?) throws(LabelError) {
        var header: [String]?
        while header == nil, let line = lines.next() {
            switch csvParser.feed(line) {
            case .record(let fields): header = fields
            case .needsMoreLines: continue
            case .malformed(let reason): throw .csvHeader("malformed CSV header: \(reason)")
            }
        }
        guard let header else { throw .csvHeader("the CSV input is empty (it needs a header row)") }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        if let field {
            guard let index = names.firstIndex(of: field) else {
                throw .csvHeader("no CSV column \"\(field)\" (columns: \(names.joined(separator: ", ")))")
            }
            csvQueryColumn = index
        } else if let index = Self.csvAutoColumns.lazy.compactMap({ wanted in names.firstIndex { $0.lowercased() == wanted } }).first {
            csvQueryColumn = index
        } else if names.count == 1 {
            csvQueryColumn = 0
        } else {
            throw .csvHeader("no prompt/query/question/text column among \(names.joined(separator: ", ")); name one with --field")
        }
        if let idField {
            guard let index = names.firstIndex(of: idField) else {
                throw .csvHeader("no CSV column \"\(idField)\" for --id-field (columns: \(names.joined(separator: ", ")))")
            }
            csvIDColumn = index
        } else {
            csvIDColumn = names.firstIndex { $0.lowercased() == "id" }
        }
    }

    private func csvRecord(_ fields: [String], number: Int) -> QueryRecord {
        let id = csvIDColumn.flatMap { fields.indices.contains($0) ? JSONValue.string(fields[$0]) : nil } ?? .int(number)
        guard fields.indices.contains(csvQueryColumn) else {
            return QueryRecord(line: number, id: id, content: .invalid("the row has \(fields.count) fields, no query column"))
        }
        return QueryRecord(line: number, id: id, content: Self.query(fields[csvQueryColumn]))
    }
}
