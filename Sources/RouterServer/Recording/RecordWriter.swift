import Dispatch
import Foundation
import Locking
import RouterCore

/// `serve --record`'s writer: requests hand their records to a bounded queue (`submit` never
/// blocks: a record arriving at a full queue is dropped and counted) and one thread of its own
/// turns them into JSON lines and appends them to the record files (`RecordFileSet`), so
/// recording never slows or fails a request. `close` writes what is queued and syncs.
public final class RecordWriter: Sendable {
    public let options: RecordingOptions

    private struct State {
        var queue: [RequestRecord] = []
        var head = 0
        var closing = false
        var written = 0
        var dropped = 0
        var lastError: String?
    }

    private let state = Lock(State())
    private let files: Lock<RecordFileSet>
    private let available = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    /// Syncs to the disk at most this often, and this long after the last record (a kill loses
    /// nothing written already; the sync covers a power loss).
    private static let syncInterval = Duration.seconds(1)

    /// Opens the folder (creating it 0700), cuts a torn last line off the newest file and starts
    /// the writer thread.
    public init(options: RecordingOptions) throws(RecordingError) {
        self.options = options
        files = Lock(try RecordFileSet(directory: options.directory, maxFileBytes: options.maxFileBytes))
        let thread = Thread { [self] in run() }
        thread.name = "causal-router-recorder"
        thread.start()
    }

    /// Queues a record for writing; never waits. Dropped (and counted) when the queue is full or
    /// the writer is closed.
    public func submit(_ record: RequestRecord) {
        let queued = state.withLock { s -> Bool in
            guard !s.closing, s.queue.count - s.head < options.queueCapacity else {
                s.dropped += 1
                return false
            }
            s.queue.append(record)
            return true
        }
        if queued { available.signal() }
    }

    /// Records written, and dropped (a full queue, or a failed write).
    public var statistics: (written: Int, dropped: Int) {
        state.withLock { ($0.written, $0.dropped) }
    }

    /// The file being appended to now.
    public var currentFile: String { files.withLock { $0.currentPath } }

    /// Writes what is queued, syncs and stops the thread; later records are dropped.
    public func close() {
        let first = state.withLock { s -> Bool in
            defer { s.closing = true }
            return !s.closing
        }
        guard first else { return }
        available.signal()
        exited.wait()
    }

    /// The metrics text for /metrics.
    func metricsText() -> String {
        let (written, dropped) = statistics
        return PrometheusText.family("records_written_total", "counter", "Request records appended to the --record files.")
            + PrometheusText.sample("records_written_total", "", Double(written))
            + PrometheusText.family("records_dropped_total", "counter",
                                    "Request records lost: the writer's queue was full, or a write failed (stderr says why).")
            + PrometheusText.sample("records_dropped_total", "", Double(dropped))
    }

    private func run() {
        var lastSync = ContinuousClock.now
        var unsynced = false
        while true {
            if available.wait(timeout: .now() + .seconds(1)) == .timedOut {
                if unsynced {
                    files.withLock { $0.sync() }
                    lastSync = ContinuousClock.now
                    unsynced = false
                }
                continue
            }
            let next = state.withLock { s -> RequestRecord?? in
                guard s.head < s.queue.count else { return s.closing ? .none : .some(nil) }
                let record = s.queue[s.head]
                s.head += 1
                if s.head > 1024 && s.head * 2 > s.queue.count {
                    s.queue.removeFirst(s.head)
                    s.head = 0
                }
                return .some(record)
            }
            guard let next else { break }
            guard let record = next else { continue }
            let line = record.json.serialized
            let failure = files.withLock { files -> AppendOnlyFileError? in
                do throws(AppendOnlyFileError) {
                    try files.append(line)
                    return nil
                } catch {
                    return error
                }
            }
            state.withLock { s in
                if let failure {
                    s.dropped += 1
                    if s.lastError != failure.description {
                        s.lastError = failure.description
                        FileHandle.standardError.write(Data("causal-router: recording: \(failure) (records are being dropped)\n".utf8))
                    }
                } else {
                    s.written += 1
                }
            }
            unsynced = unsynced || failure == nil
            if unsynced && ContinuousClock.now - lastSync > Self.syncInterval {
                files.withLock { $0.sync() }
                lastSync = ContinuousClock.now
                unsynced = false
            }
        }
        files.withLock { $0.sync() }
        exited.signal()
    }
}
