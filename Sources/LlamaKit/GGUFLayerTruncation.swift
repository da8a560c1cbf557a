import Foundation

/// Writes a copy of a GGUF model that keeps only its first `layers` transformer blocks: an
/// early-exit model whose "final" hidden state is the (normalised) output of block `layers`.
/// Prompt processing costs about `layers / blockCount` of the full model's, which is what a
/// learned head reading that hidden state needs. Metadata is copied as is except
/// `<architecture>.block_count`; tensors `blk.N.*` with N >= layers are dropped; everything
/// else (embeddings, output norm, output matrix, tokenizer) is kept byte for byte.
public enum GGUFLayerTruncation {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// What the source holds: its architecture and number of blocks.
    public struct Summary: Equatable, Sendable {
        public var architecture: String
        public var blockCount: Int
        public var tensorCount: Int
    }

    /// Reads the source's architecture and block count.
    public static func summary(of path: String) throws(Failure) -> Summary {
        try summary(of: try read(path), name: path)
    }

    /// The same for a GGUF file's bytes (`name` is what failures call it).
    public static func summary(of data: Data, name: String) throws(Failure) -> Summary {
        let file = try Parsed(data: data, path: name)
        return Summary(architecture: file.architecture, blockCount: file.blockCount, tensorCount: file.tensors.count)
    }

    /// Writes `destination` with the first `layers` blocks of `source` (1 ..< blockCount).
    public static func write(source: String, destination: String, layers: Int) throws(Failure) {
        let out = try truncated(try read(source), name: source, layers: layers)
        do {
            try out.write(to: URL(fileURLWithPath: destination), options: .atomic)
        } catch {
            throw Failure(description: "cannot write \(destination): \(error.localizedDescription)")
        }
    }

    /// The bytes `write` writes, from the source's bytes (`name` is what failures call it).
    public static func truncated(_ data: Data, name: String, layers: Int) throws(Failure) -> Data {
        let file = try Parsed(data: data, path: name)
        guard layers >= 1 && layers < file.blockCount else {
            throw Failure(description: "--layers must be between 1 and \(file.blockCount - 1) (the model has \(file.blockCount) blocks)")
        }
        let kept = file.tensors.filter { tensor in
            guard tensor.name.hasPrefix("blk."), let number = Int(tensor.name.dropFirst(4).prefix { $0 != "." }) else { return true }
            return number < layers
        }
        var out = Data()
        out.append(file.data[0..<8])                          // magic + version
        append(UInt64(kept.count), to: &out)                 // tensor count
        out.append(file.data[16..<file.blockCountValueOffset]) // metadata count and metadata up to block_count's value
        append(UInt32(layers), to: &out)
        out.append(file.data[(file.blockCountValueOffset + 4)..<file.tensorInfoOffset])
        var offset: UInt64 = 0
        for tensor in kept {
            append(UInt64(tensor.name.utf8.count), to: &out)
            out.append(contentsOf: Array(tensor.name.utf8))
            out.append(file.data[tensor.shapeRange])          // n_dims, dims, type
            append(offset, to: &out)
            offset += UInt64(tensor.byteCount)
        }
        pad(&out, to: file.alignment)
        for tensor in kept {
            let start = file.dataOffset + Int(tensor.offset)
            out.append(file.data[start..<(start + tensor.byteCount)])
        }
        return out
    }

    private static func read(_ path: String) throws(Failure) -> Data {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw Failure(description: "cannot read \(path)")
        }
        return data
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    private static func pad(_ data: inout Data, to alignment: Int) {
        let remainder = data.count % alignment
        if remainder != 0 { data.append(Data(count: alignment - remainder)) }
    }

    private struct Tensor {
        var name: String
        /// Bytes of n_dims, dims and type in the source.
        var shapeRange: Range<Int>
        var offset: UInt64
        /// Bytes up to the next tensor's data (padding included, so alignment carries over).
        var byteCount: Int
    }

    /// The parts of a GGUF file the truncation needs.
    private struct Parsed {
        let data: Data
        var architecture = ""
        var blockCount = 0
        var blockCountValueOffset = 0
        var alignment = 32
        var tensors: [Tensor] = []
        var tensorInfoOffset = 0
        var dataOffset = 0
        static let maxAlignment = 1 << 20

        init(data: Data, path: String) throws(Failure) {
            // Offsets below count from the file's first byte: a slice is copied to start at 0.
            let data = data.startIndex == 0 ? data : Data(Array(data))
            self.data = data
            var cursor = Cursor(data: data)
            guard data.count >= 24, data.prefix(4) == Data("GGUF".utf8) else { throw Failure(description: "\(path) is not a GGUF file") }
            cursor.position = 4
            let version = try cursor.integer(UInt32.self)
            guard version == 2 || version == 3 else { throw Failure(description: "\(path): unsupported GGUF version \(version)") }
            let tensorCount = try cursor.count()
            let metadataCount = try cursor.count()
            var blockCountKeys: [String: Int] = [:]
            for _ in 0..<metadataCount {
                let key = try cursor.string()
                let type = try cursor.integer(UInt32.self)
                let valueOffset = cursor.position
                switch (key, type) {
                case ("general.architecture", 8):
                    architecture = try cursor.string()
                case ("general.alignment", 4):
                    alignment = Int(try cursor.integer(UInt32.self))
                case (_, 4) where key.hasSuffix(".block_count"):
                    blockCountKeys[key] = valueOffset
                    try cursor.skipValue(type: type)
                default:
                    try cursor.skipValue(type: type)
                }
            }
            guard let offset = blockCountKeys[architecture + ".block_count"] else {
                throw Failure(description: "\(path) has no \(architecture).block_count (UInt32) to change")
            }
            blockCountValueOffset = offset
            blockCount = Int(data.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) })
            tensorInfoOffset = cursor.position
            var raw: [(name: String, shape: Range<Int>, offset: UInt64)] = []
            for _ in 0..<tensorCount {
                let name = try cursor.string()
                let start = cursor.position
                let dimensions = Int(try cursor.integer(UInt32.self))
                guard dimensions <= 8 else { throw Failure(description: "\(path): tensor \(name) has \(dimensions) dimensions") }
                for _ in 0..<dimensions { _ = try cursor.integer(UInt64.self) }
                _ = try cursor.integer(UInt32.self)
                let shape = start..<cursor.position
                raw.append((name, shape, try cursor.integer(UInt64.self)))
            }
            // GGUF wants a power of two; a huge one would make the cut copy pad with gigabytes.
            guard alignment > 0, alignment & (alignment - 1) == 0, alignment <= Self.maxAlignment else {
                throw Failure(description: "\(path): general.alignment \(alignment) is not a power of two up to \(Self.maxAlignment)")
            }
            dataOffset = (cursor.position + alignment - 1) / alignment * alignment
            // (A file without tensors may end before the padding.)
            guard raw.isEmpty || dataOffset <= data.count else {
                throw Failure(description: "\(path): tensor data out of bounds (truncated file?)")
            }
            let available = UInt64(max(0, data.count - dataOffset))
            let order = raw.indices.sorted { raw[$0].offset < raw[$1].offset }
            var sizes = [Int](repeating: 0, count: raw.count)
            for (rank, index) in order.enumerated() {
                let end = rank + 1 < order.count ? raw[order[rank + 1]].offset : available
                guard end >= raw[index].offset, end <= available else {
                    throw Failure(description: "\(path): tensor data out of bounds (truncated file?)")
                }
                sizes[index] = Int(end - raw[index].offset)
            }
            tensors = raw.indices.map { Tensor(name: raw[$0].name, shapeRange: raw[$0].shape, offset: raw[$0].offset, byteCount: sizes[$0]) }
        }
    }

    /// Reads little-endian GGUF values, refusing to run past the end.
    private struct Cursor {
        let data: Data
        var position = 0

        mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws(Failure) -> T {
            let size = MemoryLayout<T>.size
            guard position + size <= data.count else { throw Failure(description: "unexpected end of the GGUF header") }
            let value = data.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: T.self)) }
            position += size
            return value
        }

        /// A count of things that follow (each at least a byte): more than the bytes left is an error.
        mutating func count() throws(Failure) -> Int {
            let value = try integer(UInt64.self)
            guard value <= UInt64(data.count - position) else { throw Failure(description: "unexpected end of the GGUF header") }
            return Int(value)
        }

        mutating func string() throws(Failure) -> String {
            let length = try count()
            let text = String(decoding: data[position..<(position + length)], as: UTF8.self)
            position += length
            return text
        }

        /// Arrays inside arrays this deep are refused (a file of nested arrays would overflow the stack).
        static let maxArrayNesting = 8

        mutating func skipValue(type: UInt32, nesting: Int = 0) throws(Failure) {
            switch type {
            case 0, 1, 7: position += 1
            case 2, 3: position += 2
            case 4, 5, 6: position += 4
            case 10, 11, 12: position += 8
            case 8: _ = try string()
            case 9:
                guard nesting < Self.maxArrayNesting else { throw Failure(description: "GGUF arrays nested too deep") }
                let elementType = try integer(UInt32.self)
                let count = try count()
                let fixed: [UInt32: Int] = [0: 1, 1: 1, 7: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 10: 8, 11: 8, 12: 8]
                if let size = fixed[elementType] {
                    position += size * count
                } else {
                    for _ in 0..<count { try skipValue(type: elementType, nesting: nesting + 1) }
                }
            default:
                throw Failure(description: "unknown GGUF value type \(type)")
            }
            guard position <= data.count else { throw Failure(description: "unexpected end of the GGUF header") }
        }
    }
}
