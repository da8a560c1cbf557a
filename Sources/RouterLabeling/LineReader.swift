import Foundation

/// Reads a file or standard input line by line in chunks (any size of input, bounded memory).
/// Lines end with "\n" (a trailing "\r" is removed); the last line may lack its "\n".
public final class LineReader {
    private let handle: FileHandle
    private let chunkSize: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var finished = false
    /// 1-based number of the line last returned.
    public private(set) var lineNumber = 0

    /// `chunkSize`: bytes read at a time (smaller in tests and fuzzing, so lines cross chunks).
    public init(handle: FileHandle, chunkSize: Int = 1 << 20) {
        self.handle = handle
        self.chunkSize = chunkSize
    }

    /// The next line's bytes, or nil at the end.
    public func next() -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 10) {
                var line = buffer[start..<newline]
                start = newline + 1
                if line.last == 13 { line = line.dropLast() }
                lineNumber += 1
                return line
            }
            if finished {
                guard start < buffer.count else { return nil }
                var line = buffer[start...]
                start = buffer.count
                if line.last == 13 { line = line.dropLast() }
                lineNumber += 1
                return line
            }
            let chunk = handle.readData(ofLength: chunkSize)
            if chunk.isEmpty {
                finished = true
            } else {
                if start > 0 {
                    buffer.removeFirst(start)
                    start = 0
                }
                buffer += chunk
            }
        }
    }
}
