/// RFC 4180 fields: commas separate, double quotes enclose fields that hold commas, quotes
/// ("" inside) or line breaks. Fed one line at a time; a record may span several lines.
struct CSVRecordParser {
    private var fields: [String] = []
    private var field: [UInt8] = []
    private var inQuotes = false
    private var started = false

    enum Outcome: Equatable {
        case record([String])
        case needsMoreLines
        case malformed(String)
    }

    /// Feeds one line (without its line break).
    mutating func feed(_ line: ArraySlice<UInt8>) -> Outcome {
        if started && inQuotes { field.append(10) }
        started = true
        var i = line.startIndex
        while i < line.endIndex {
            let byte = line[i]
            if inQuotes {
                if byte == 34 {
                    if i + 1 < line.endIndex && line[i + 1] == 34 {
                        field.append(34)
                        i += 1
                    } else {
                        inQuotes = false
                        if i + 1 < line.endIndex && line[i + 1] != 44 {
                            reset()
                            return .malformed("text after a closing quote")
                        }
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == 44 {
                fields.append(String(decoding: field, as: UTF8.self))
                field = []
            } else if byte == 34 && field.isEmpty {
                inQuotes = true
            } else {
                field.append(byte)
            }
            i += 1
        }
        if inQuotes { return .needsMoreLines }
        fields.append(String(decoding: field, as: UTF8.self))
        let record = fields
        reset()
        return .record(record)
    }

    /// Whether a quoted field is still open (the input ended inside it).
    var isInsideQuotes: Bool { started && inQuotes }

    private mutating func reset() {
        fields = []
        field = []
        inQuotes = false
        started = false
    }
}
