import Foundation

/// A per-process file the readers that take a path or a FileHandle read the input from
/// (rewritten for each input, removed never: it lives in the temporary folder).
public struct FuzzScratchFile {
    public let path: String

    public init(_ name: String) {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid()).fuzz").path
    }

    /// Writes `bytes` as the file's whole content and opens it for reading.
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) -> FileHandle {
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer: bytes)),
              let handle = FileHandle(forReadingAtPath: path) else { fatalError("cannot write the scratch file \(path)") }
        return handle
    }
}
