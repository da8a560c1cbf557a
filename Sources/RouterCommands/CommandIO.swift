import Foundation

/// Where a command reads its input and writes its output; the real streams by default,
/// buffers in tests.
public struct CommandIO: Sendable {
    public var readInput: @Sendable () -> Data
    public var write: @Sendable (String) -> Void
    public var writeError: @Sendable (String) -> Void

    public init(readInput: @escaping @Sendable () -> Data, write: @escaping @Sendable (String) -> Void,
                writeError: @escaping @Sendable (String) -> Void) {
        self.readInput = readInput
        self.write = write
        self.writeError = writeError
    }

    public static let standard = CommandIO(
        readInput: { FileHandle.standardInput.readDataToEndOfFile() },
        write: { FileHandle.standardOutput.write(Data($0.utf8)) },
        writeError: { FileHandle.standardError.write(Data($0.utf8)) }
    )
}
