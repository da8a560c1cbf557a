/// JSON read with `JSONDecoder` (exact numbers, unlike Linux's JSONSerialization): whole numbers
/// become `.int`, others `.number`. An object's keys come back sorted (the decoder does not keep
/// their order), so a value read twice is the same value. `serve --record` keeps a request's
/// `messages` and `metadata` this way; `judge` reads records with it.
extension JSONValue: Decodable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            self = .object(try object.allKeys.map(\.stringValue).sorted().map { key in
                (key, try object.decode(JSONValue.self, forKey: Key(stringValue: key)))
            })
            return
        }
        if var array = try? decoder.unkeyedContainer() {
            var values: [JSONValue] = []
            while !array.isAtEnd { values.append(try array.decode(JSONValue.self)) }
            self = .array(values)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? single.decode(Int.self) {
            self = .int(value)
        } else if let value = try? single.decode(Double.self) {
            self = .number(value)
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    /// The value at a dotted path of object keys (`metadata.reference`), or nil.
    public func value(at path: [String]) -> JSONValue? {
        var current = self
        for key in path {
            guard case .object(let fields) = current, let next = fields.first(where: { $0.0 == key })?.1 else { return nil }
            current = next
        }
        return current
    }

    /// The string, or nil for anything else.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}
