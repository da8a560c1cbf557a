/// What `serve --record DIR` writes, and where (`RecordWriter`).
public struct RecordingOptions: Sendable, Equatable {
    /// The folder the record files go in (created 0700 when missing).
    public var directory: String
    /// A new file is started once the current one has passed this many bytes (`--record-max-mb`).
    public var maxFileBytes: Int
    /// Store the answers' text too (`--record-answers`).
    public var answers: Bool
    /// Records waiting for the writer thread; one arriving at a full queue is dropped (counted).
    public var queueCapacity: Int

    public static let defaultMaxFileMB = 256
    public static let defaultQueueCapacity = 4096

    public init(directory: String, maxFileBytes: Int = RecordingOptions.defaultMaxFileMB << 20, answers: Bool = false,
                queueCapacity: Int = RecordingOptions.defaultQueueCapacity) {
        self.directory = directory
        self.maxFileBytes = maxFileBytes
        self.answers = answers
        self.queueCapacity = queueCapacity
    }
}
