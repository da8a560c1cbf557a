import Foundation
import RouterCore

/// Labels a query log with the batched engine, resumably: rows already in the output (or the
/// errors file) from an earlier run are skipped, so re-running the same command after a crash
/// continues where it stopped and every row ends up exactly once.
public final class LabelRunner {
    private let options: LabelOptions
    private let engine: ScoringEngine
    private let config: RoutingConfig
    private let writeStatus: (String) -> Void

    public init(options: LabelOptions, engine: ScoringEngine, config: RoutingConfig, writeStatus: @escaping (String) -> Void) {
        self.options = options
        self.engine = engine
        self.config = config
        self.writeStatus = writeStatus
    }

    private struct Pending {
        var record: QueryRecord
        var ticket: ScoringTicket
    }

    public func run() throws(LabelError) -> LabelSummary {
        var summary = LabelSummary()
        summary.threshold = config.threshold
        let errorsPath = options.resolvedErrorsPath
        var done = try scanOutput(into: &summary)
        done.formUnion(try scanErrors(path: errorsPath, into: &summary))
        summary.resumed = summary.labeled

        let format = options.format ?? InputFormat.guess(path: options.input) ?? (options.input == "-" ? .jsonl : .text)
        let handle: FileHandle
        if options.input == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let file = FileHandle(forReadingAtPath: options.input) else { throw .cannotOpen(path: options.input) }
            handle = file
        }
        let reader = try RecordReader(handle: handle, format: format, field: options.field, idField: options.idField)
        let output = try LabelError.writing { () throws(AppendOnlyFileError) in try AppendOnlyFile(path: options.output) }
        let errors = errorsPath == "-" ? nil : try LabelError.writing { () throws(AppendOnlyFileError) in try AppendOnlyFile(path: errorsPath) }
        let progress = ProgressReporter(total: totalRows(format: format), write: writeStatus)
        progress.begin(alreadyDone: done.count)

        let start = ContinuousClock.now
        let decodeBefore = engine.statistics.snapshot.decodeSeconds
        let window = max(4, engine.settings.parallel * 4)
        var pending: [Pending] = []
        var pendingHead = 0
        var finished = done.count
        var lastSync = ContinuousClock.now

        func finishOldest() throws(LabelError) {
            let item = pending[pendingHead]
            pendingHead += 1
            switch item.ticket.wait() {
            case .success(let scored):
                let verdict = config.verdict(for: scored, template: engine.templateName, latencyMs: 0)
                let line = Self.line(for: item.record, scored: scored, verdict: verdict)
                try LabelError.writing { () throws(AppendOnlyFileError) in try output.append(line) }
                summary.labels[scored.distribution.label - 1] += 1
                if verdict.route == .strong { summary.strong += 1 }
                summary.labeledNow += 1
            case .failure(let error):
                try recordError(item.record, reason: error.description, errors: errors, summary: &summary)
            }
            finished += 1
            progress.update(done: finished)
            if ContinuousClock.now - lastSync > .seconds(5) {
                output.sync()
                lastSync = ContinuousClock.now
            }
        }
        func drain() throws(LabelError) {
            while pendingHead < pending.count { try finishOldest() }
            pending.removeAll()
            pendingHead = 0
        }

        while let record = reader.next() {
            if let shard = options.shard, (record.line - 1) % shard.count != shard.index { continue }
            if done.contains(record.line) { continue }
            var failure: String?
            do throws(RouterError) {
                let text: String
                switch record.content {
                case .query(let query): text = query
                case .conversation(let messages):
                    text = try ConversationQuery.text(of: messages, room: engine.promptBuilder.queryRoom, tokenizer: engine.tokenizer)
                case .invalid(let reason): throw .invalidConversation(reason)
                }
                pending.append(Pending(record: record, ticket: try engine.submit(engine.prompt(for: text))))
            } catch {
                failure = error.description
            }
            if let failure {
                try recordError(record, reason: failure, errors: errors, summary: &summary)
                finished += 1
                if options.strict {
                    // Rows already submitted are written before the run stops: nothing is lost.
                    try drain()
                    output.sync()
                    errors?.sync()
                    throw .strictStop(line: record.line, reason: failure)
                }
                continue
            }
            if pending.count - pendingHead >= window { try finishOldest() }
            if pendingHead > 1024 {
                pending.removeFirst(pendingHead)
                pendingHead = 0
            }
        }
        try drain()
        output.sync()
        errors?.sync()
        progress.update(done: finished, force: true)
        summary.seconds = (ContinuousClock.now - start).milliseconds / 1000
        summary.decodeSeconds = engine.statistics.snapshot.decodeSeconds - decodeBefore
        if summary.labeled == 0 { throw .nothingLabeled(errors: summary.errors) }
        return summary
    }

    private func recordError(_ record: QueryRecord, reason: String, errors: AppendOnlyFile?, summary: inout LabelSummary) throws(LabelError) {
        let line = JSONValue.object([("line", .int(record.line)), ("id", record.id), ("reason", .string(reason))]).serialized
        if let errors {
            try LabelError.writing { () throws(AppendOnlyFileError) in try errors.append(line) }
        } else {
            writeStatus(line + "\n")
        }
        summary.errors += 1
    }

    /// A labeled record's output line: the verdict's figures, the record's id and line.
    static func line(for record: QueryRecord, scored: ScoredQuery, verdict: Verdict) -> String {
        JSONValue.object([
            ("id", record.id),
            ("label", .int(scored.distribution.label)),
            ("probabilities", .array(scored.distribution.probabilities.map(JSONValue.number))),
            ("strong_win_rate", .number(scored.distribution.strongWinRate)),
            ("expected_score", .number(scored.distribution.expectedScore)),
            ("route", .string(verdict.route.rawValue)),
            ("model", .string(verdict.model)),
            ("line", .int(record.line)),
        ] + (verdict.head.map { [("head", JSONValue.string($0))] } ?? [])
          + (scored.oodScore.map { [("ood_score", JSONValue.number($0)), ("ood", JSONValue.bool(scored.outOfDistribution))] } ?? [])).serialized
    }

    /// Lines already labeled by an earlier run, tallied into the summary.
    private func scanOutput(into summary: inout LabelSummary) throws(LabelError) -> Set<Int> {
        var done = Set<Int>()
        let lines = try LabelError.writing { () throws(AppendOnlyFileError) in try AppendOnlyFile.recover(path: options.output) }
        for (index, data) in lines.enumerated() {
            guard let row = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let line = row["line"] as? Int, let label = row["label"] as? Int, (1...5).contains(label) else {
                throw .outputCorrupt(path: options.output, line: index + 1)
            }
            if done.insert(line).inserted {
                summary.labels[label - 1] += 1
                if row["route"] as? String == Route.strong.rawValue { summary.strong += 1 }
            }
        }
        return done
    }

    private func scanErrors(path: String, into summary: inout LabelSummary) throws(LabelError) -> Set<Int> {
        var done = Set<Int>()
        let lines = try LabelError.writing { () throws(AppendOnlyFileError) in try AppendOnlyFile.recover(path: path) }
        for (index, data) in lines.enumerated() {
            guard let row = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let line = row["line"] as? Int else {
                throw .outputCorrupt(path: path, line: index + 1)
            }
            if done.insert(line).inserted { summary.errors += 1 }
        }
        return done
    }

    /// Rows in the input (for the progress bar), when it is a file; nil for standard input.
    private func totalRows(format: InputFormat) -> Int? {
        guard options.input != "-", let handle = FileHandle(forReadingAtPath: options.input) else { return nil }
        let reader = LineReader(handle: handle)
        var count = 0
        while let line = reader.next() {
            if format == .jsonl && line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            count += 1
        }
        if format == .csv { count = max(0, count - 1) }
        if let shard = options.shard { count = (count + shard.count - 1 - shard.index) / shard.count }
        return count
    }
}
