import Foundation
import Glibc

/// Progress on standard error: a redrawn bar on a terminal, a plain line every `interval`
/// otherwise (logs, CI), each prefixed with the command's name.
public final class ProgressReporter {
    private let name: String
    private let total: Int?
    private let isTerminal: Bool
    private let interval: Duration
    private let write: (String) -> Void
    private let start = ContinuousClock.now
    private var lastReport = ContinuousClock.now
    private var startDone = 0

    public init(name: String = "label", total: Int?, isTerminal: Bool = isatty(STDERR_FILENO) == 1, interval: Duration = .seconds(10),
                write: @escaping (String) -> Void) {
        self.name = name
        self.total = total
        self.isTerminal = isTerminal
        self.interval = interval
        self.write = write
    }

    /// Rows already done when this run started (resumed), so the rate counts this run only.
    public func begin(alreadyDone: Int) {
        startDone = alreadyDone
    }

    public func update(done: Int, force: Bool = false) {
        let now = ContinuousClock.now
        guard force || now - lastReport >= (isTerminal ? .milliseconds(200) : interval) else { return }
        lastReport = now
        let seconds = (now - start).milliseconds / 1000
        let rate = seconds > 0 ? Double(done - startDone) / seconds : 0
        var text = "\(done)\(total.map { "/\($0)" } ?? "") rows, \(String(format: "%.1f", rate)) rows/s"
        if let total, rate > 0 {
            text += ", ETA \(Int((Double(max(0, total - done)) / rate).rounded())) s"
        }
        if isTerminal {
            var bar = ""
            if let total, total > 0 {
                let filled = min(30, done * 30 / total)
                bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] "
            }
            write("\r\u{1B}[K" + bar + text + (force ? "\n" : ""))
        } else {
            write(name + ": " + text + "\n")
        }
    }
}
