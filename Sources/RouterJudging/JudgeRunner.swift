import Foundation
import Locking
import RouterCore
import RouterLabeling

/// Turns recorded traffic into routing-data rows, resumably: `parallel` threads each take the
/// next record, judge it (two judge calls, one per order, or a reference grade) and append its
/// row, or its reason to the errors file. Rows already in the output or the errors file from an
/// earlier run are skipped, so re-running the same command after a crash (even kill -9) goes on
/// where it stopped and every record ends up exactly once.
public final class JudgeRunner: Sendable {
    private let options: JudgeOptions
    /// Nil with `--reference` (no judge calls).
    private let client: JudgeClient?
    private let writeStatus: @Sendable (String) -> Void

    public init(options: JudgeOptions, client: JudgeClient?, writeStatus: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.client = client
        self.writeStatus = writeStatus
    }

    /// What the threads share, under one lock.
    private final class Shared {
        let source: RecordSource
        let output: AppendOnlyFile
        let errors: AppendOnlyFile
        let progress: ProgressReporter
        /// Ids in the output or errors file (earlier runs and this one).
        var done: Set<String>
        var seenNow = Set<String>()
        var summary: JudgeSummary
        var finished: Int
        var failure: JudgeError?
        /// When the files were last flushed to the disk (every few seconds, as `label` does).
        var lastSync = ContinuousClock.now

        init(source: RecordSource, output: AppendOnlyFile, errors: AppendOnlyFile, progress: ProgressReporter,
             done: Set<String>, summary: JudgeSummary) {
            self.source = source
            self.output = output
            self.errors = errors
            self.progress = progress
            self.done = done
            self.summary = summary
            finished = done.count
        }
    }

    /// A record to judge, with its answers.
    private struct Work {
        var record: TrafficRecord
        var strong: String
        var weak: String
        var query: String
        var reference: (value: String, answer: ReferenceAnswer)?
    }

    public func run() throws(JudgeError) -> JudgeSummary {
        let start = ContinuousClock.now
        var summary = JudgeSummary()
        var done = try scanOutput(into: &summary)
        done.formUnion(try scanErrors(into: &summary))
        let total = try countRecords()
        let output: AppendOnlyFile, errors: AppendOnlyFile
        do {
            output = try AppendOnlyFile(path: options.output)
            errors = try AppendOnlyFile(path: options.resolvedErrorsPath)
        } catch {
            throw .cannotWrite(error.description)
        }
        let progress = ProgressReporter(name: "judge", total: total, write: writeStatus)
        progress.begin(alreadyDone: done.count)
        let shared = Lock(Shared(source: try RecordSource(input: options.input), output: output, errors: errors,
                                 progress: progress, done: done, summary: summary))

        let group = DispatchGroup()
        for number in 0..<max(1, options.parallel) {
            group.enter()
            let thread = Thread { [self] in
                work(shared)
                group.leave()
            }
            thread.name = "judge-\(number)"
            thread.start()
        }
        group.wait()

        return try shared.withLock { (state) throws(JudgeError) -> JudgeSummary in
            state.output.sync()
            state.errors.sync()
            state.progress.update(done: state.finished, force: true)
            state.summary.unfinished = state.source.unfinished.count
            if !state.source.unfinished.isEmpty {
                writeStatus("judge: left for a later run, still being written (no newline yet): "
                            + state.source.unfinished.joined(separator: ", ") + "\n")
            }
            state.summary.seconds = (ContinuousClock.now - start).milliseconds / 1000
            if let path = options.summaryPath {
                do {
                    try (state.summary.json.serialized + "\n").write(toFile: path, atomically: true, encoding: .utf8)
                } catch {
                    throw .cannotWrite("cannot write the summary \(path): \(error.localizedDescription)")
                }
            }
            if let failure = state.failure {
                writeStatus(state.summary.report + "\n")
                throw failure
            }
            return state.summary
        }
    }

    /// One thread's loop: take a record, judge it without the lock, write what came of it.
    private func work(_ shared: Lock<Shared>) {
        while let item = shared.withLock({ state in next(state) }) {
            let result = judge(item)
            shared.withLock { state in
                switch result {
                case .success(let row):
                    write(row: row, state)
                case .failure(.bad(let bad)):
                    write(bad: bad, state)
                case .failure(.stop(let error)):
                    // Not written: the next run judges it again.
                    if state.failure == nil { state.failure = error }
                }
            }
        }
    }

    /// The next record this run judges (the lock held), or nil at the end or after a failure.
    /// Records not to judge are dealt with here: other shards' and done ones passed over, those
    /// without two answers counted, bad ones written to the errors file.
    private func next(_ state: Shared) -> Work? {
        while state.failure == nil {
            let line: (line: ArraySlice<UInt8>, source: String)?
            do {
                line = try state.source.next()
            } catch {
                state.failure = error
                return nil
            }
            guard let (bytes, source) = line else { return nil }
            let record: TrafficRecord
            switch TrafficRecord.parse(bytes, source: source) {
            case .failure(let bad):
                guard inShard(bad.id), !state.done.contains(bad.id) else { continue }
                state.done.insert(bad.id)
                write(bad: bad, state)
                continue
            case .success(let parsed):
                record = parsed
            }
            guard inShard(record.id) else { continue }
            if state.seenNow.contains(record.id) {
                state.summary.duplicates += 1
                state.finished += 1
                continue
            }
            state.seenNow.insert(record.id)
            guard !state.done.contains(record.id) else { continue }
            switch classify(record) {
            case .none:
                state.summary.skipped += 1
                state.finished += 1
                state.progress.update(done: state.finished)
            case .some(.failure(let bad)):
                state.done.insert(record.id)
                write(bad: bad, state)
            case .some(.success(let work)):
                state.done.insert(record.id)
                return work
            }
        }
        return nil
    }

    private func inShard(_ id: String) -> Bool {
        guard let shard = options.shard else { return true }
        return IDHash.shard(id: id, count: shard.count) == shard.index
    }

    /// Whether a record can be judged: nil when it holds no two answers to compare (skipped).
    private func classify(_ record: TrafficRecord) -> Result<Work, BadRecord>? {
        func bad(_ reason: String) -> Result<Work, BadRecord> { .failure(BadRecord(id: record.id, source: record.source, reason: reason)) }
        let strong = options.strongTier, weak = options.weakTier
        guard record.answers[strong] != nil, record.answers[weak] != nil else {
            guard record.answers.count >= 2 else { return nil }
            let tiers = record.answers.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            return bad("answers from the tiers \(tiers) but not from both \"\(strong)\" and \"\(weak)\": "
                       + "name the tiers to compare with --strong-tier and --weak-tier")
        }
        guard let query = record.query else { return bad("no query (\"query\", \"prompt\" or a user message)") }
        var work = Work(record: record, strong: strong, weak: weak, query: query)
        if let field = options.referenceField {
            let text: String
            switch record.json.value(at: field.split(separator: ".").map(String.init)) {
            case .string(let value)?: text = value
            case .int(let value)?: text = String(value)
            case .number(let value)?: text = String(value)
            default: return bad("no reference at \(field) (a string or a number)")
            }
            guard let answer = ReferenceAnswer(text) else {
                return bad("the reference \(Self.quoted(text)) at \(field) is neither a number nor a choice letter A-E: "
                           + "--reference grades only those")
            }
            work.reference = (text, answer)
        }
        return .success(work)
    }

    private enum Failure: Error {
        case bad(BadRecord)
        case stop(JudgeError)

        /// A bad record carries the calls spent on it (counted in the summary).
        func withUsage(_ calls: Int, _ promptTokens: Int, _ completionTokens: Int) -> Failure {
            guard case .bad(var record) = self else { return self }
            record.calls = calls
            record.promptTokens = promptTokens
            record.completionTokens = completionTokens
            return .bad(record)
        }
    }

    /// Judges one record (no lock held: this is where the time goes).
    private func judge(_ work: Work) -> Result<JudgedRow, Failure> {
        let strongAnswer = work.record.answers[work.strong]!, weakAnswer = work.record.answers[work.weak]!
        if let reference = work.reference {
            let outcome = JudgedRow.Outcome.reference(
                field: options.referenceField ?? "", value: reference.value,
                strongAnswer: reference.answer.extracted(from: strongAnswer), weakAnswer: reference.answer.extracted(from: weakAnswer),
                strongCorrect: reference.answer.isAnswered(by: strongAnswer), weakCorrect: reference.answer.isAnswered(by: weakAnswer))
            return .success(JudgedRow(record: work.record, strongTier: work.strong, weakTier: work.weak, outcome: outcome))
        }
        guard let client else { return .failure(.stop(.judgeUnavailable("no judge configured"))) }
        var calls = 0, promptTokens = 0, completionTokens = 0
        var unreadable: [String] = []
        /// One order's verdict: asked again once when the reply holds none.
        func verdict(answerA: String, answerB: String) -> Result<JudgeVerdict, Failure> {
            for _ in 0..<2 {
                var result = client.compare(question: work.query, answerA: answerA, answerB: answerB)
                for delay in options.retryDelays {
                    guard case .failure(.unavailable) = result else { break }
                    Thread.sleep(forTimeInterval: delay.milliseconds / 1000)
                    result = client.compare(question: work.query, answerA: answerA, answerB: answerB)
                }
                switch result {
                case .failure(.unavailable(let reason)):
                    return .failure(.stop(.judgeUnavailable("the judge \(client.endpoint) is unavailable: \(reason)")))
                case .failure(.refused(let reason)):
                    return .failure(.bad(BadRecord(id: work.record.id, source: work.record.source, reason: JudgeCallFailure.refused(reason).description)))
                case .success(let reply):
                    calls += 1
                    promptTokens += reply.promptTokens
                    completionTokens += reply.completionTokens
                    if let verdict = JudgeVerdict.last(in: reply.content) { return .success(verdict) }
                    unreadable.append(String(reply.content.prefix(2000)))
                }
            }
            return .failure(.bad(BadRecord(id: work.record.id, source: work.record.source,
                                           reason: "unparseable verdict: no [[A>>B]], [[A>B]], [[A=B]], [[B>A]] or [[B>>A]] "
                                               + "in the judge's reply, asked twice", replies: unreadable)))
        }
        let strongFirst: JudgeVerdict, weakFirst: JudgeVerdict
        switch verdict(answerA: strongAnswer, answerB: weakAnswer) {
        case .success(let value): strongFirst = value
        case .failure(let failure): return .failure(failure.withUsage(calls, promptTokens, completionTokens))
        }
        switch verdict(answerA: weakAnswer, answerB: strongAnswer) {
        case .success(let value): weakFirst = value
        case .failure(let failure): return .failure(failure.withUsage(calls, promptTokens, completionTokens))
        }
        let outcome = JudgedRow.Outcome.pairwise(PairwiseJudgement(strongFirst: strongFirst, weakFirst: weakFirst),
                                                 judgeModel: client.endpoint.model, calls: calls,
                                                 promptTokens: promptTokens, completionTokens: completionTokens)
        return .success(JudgedRow(record: work.record, strongTier: work.strong, weakTier: work.weak, outcome: outcome))
    }

    private func write(row: JudgedRow, _ state: Shared) {
        do {
            try state.output.append(row.json.serialized)
        } catch {
            if state.failure == nil { state.failure = .cannotWrite(error.description) }
            return
        }
        Self.tally(row: row, into: &state.summary)
        state.summary.rowsNow += 1
        state.finished += 1
        state.progress.update(done: state.finished)
        if ContinuousClock.now - state.lastSync > .seconds(5) {
            state.output.sync()
            state.errors.sync()
            state.lastSync = ContinuousClock.now
        }
    }

    private func write(bad: BadRecord, _ state: Shared) {
        var fields: [(String, JSONValue)] = [("id", .string(bad.id)), ("source", .string(bad.source)), ("reason", .string(bad.reason))]
        if !bad.replies.isEmpty { fields.append(("replies", .array(bad.replies.map(JSONValue.string)))) }
        if bad.calls > 0 {
            fields.append(("calls", .int(bad.calls)))
            fields.append(("usage", .object([("prompt_tokens", .int(bad.promptTokens)), ("completion_tokens", .int(bad.completionTokens))])))
        }
        do {
            try state.errors.append(JSONValue.object(fields).serialized)
        } catch {
            if state.failure == nil { state.failure = .cannotWrite(error.description) }
            return
        }
        state.summary.errors += 1
        state.summary.addCalls(bad.calls, promptTokens: bad.promptTokens, completionTokens: bad.completionTokens)
        state.finished += 1
        state.progress.update(done: state.finished)
    }

    private static func tally(row: JudgedRow, into summary: inout JudgeSummary) {
        summary.rows += 1
        summary.labels[row.label - 1] += 1
        switch row.outcome {
        case .pairwise(let judgement, _, let calls, let promptTokens, let completionTokens):
            summary.addPairwise(margins: judgement.margins)
            summary.addCalls(calls, promptTokens: promptTokens, completionTokens: completionTokens)
        case .reference:
            summary.graded += 1
        }
    }

    private static func quoted(_ text: String) -> String {
        JSONValue.string(text.count > 80 ? String(text.prefix(80)) + "..." : text).serialized
    }

    /// The judge's tokens as a row or an error line records them.
    private struct WrittenUsage: Decodable {
        var prompt_tokens: Int
        var completion_tokens: Int
    }

    /// What earlier runs wrote: an output row's id, label and, for judged rows, the judge's figures.
    private struct WrittenRow: Decodable {
        struct Judge: Decodable {
            var margins: [Int]
            var calls: Int
            var usage: WrittenUsage
        }
        var id: String
        var label: Int
        var judge: Judge?
        var reference: JSONValue?
    }

    /// Ids already in the output (a torn last line cut off), tallied into the summary.
    private func scanOutput(into summary: inout JudgeSummary) throws(JudgeError) -> Set<String> {
        var done = Set<String>()
        let lines: [Data]
        do {
            lines = try AppendOnlyFile.recover(path: options.output)
        } catch {
            throw .cannotWrite(error.description)
        }
        for (index, data) in lines.enumerated() {
            guard let row = try? JSONDecoder().decode(WrittenRow.self, from: data), (1...5).contains(row.label),
                  (row.judge?.margins.count ?? 2) == 2 else {
                throw .outputCorrupt(path: options.output, line: index + 1)
            }
            guard done.insert(row.id).inserted else { continue }
            summary.rows += 1
            summary.labels[row.label - 1] += 1
            if let judge = row.judge {
                summary.addPairwise(margins: judge.margins)
                summary.addCalls(judge.calls, promptTokens: judge.usage.prompt_tokens, completionTokens: judge.usage.completion_tokens)
            } else if row.reference != nil {
                summary.graded += 1
            }
        }
        return done
    }

    /// What an earlier run wrote to the errors file.
    private struct WrittenError: Decodable {
        var id: String
        var calls: Int?
        var usage: WrittenUsage?
    }

    private func scanErrors(into summary: inout JudgeSummary) throws(JudgeError) -> Set<String> {
        var done = Set<String>()
        let path = options.resolvedErrorsPath
        let lines: [Data]
        do {
            lines = try AppendOnlyFile.recover(path: path)
        } catch {
            throw .cannotWrite(error.description)
        }
        for (index, data) in lines.enumerated() {
            guard let row = try? JSONDecoder().decode(WrittenError.self, from: data) else { throw .outputCorrupt(path: path, line: index + 1) }
            guard done.insert(row.id).inserted else { continue }
            summary.errors += 1
            summary.addCalls(row.calls ?? 0, promptTokens: row.usage?.prompt_tokens ?? 0,
                             completionTokens: row.usage?.completion_tokens ?? 0)
        }
        return done
    }

    /// Records in this shard of the input, for the progress line.
    private func countRecords() throws(JudgeError) -> Int {
        struct Identified: Decodable {
            var id: JSONValue?
        }
        let source = try RecordSource(input: options.input)
        var count = 0
        while let (line, place) = try source.next() {
            if options.shard == nil {
                count += 1
                continue
            }
            var id = place
            switch (try? JSONDecoder().decode(Identified.self, from: Data(line)))?.id {
            case .string(let text)? where !text.isEmpty: id = text
            case .int(let number)?: id = String(number)
            default: break
            }
            if inShard(id) { count += 1 }
        }
        return count
    }
}
