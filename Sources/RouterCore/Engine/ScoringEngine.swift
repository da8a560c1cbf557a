import Dispatch
import Foundation
import LlamaKit
import Locking

/// Scores queued queries over one llama context, owned by one dedicated inference thread (off
/// Swift's cooperative pool, so a long decode never starves anything else).
///
/// The template's fixed prefix is decoded once, at start-up, into sequence 0 (in chunks of
/// `batchSize`). Each query gets a free sequence that shares the prefix's cached positions
/// (`copyMemory`, no recomputation), so a query costs only its own tokens and the template's
/// suffix; only each query's last token produces logits.
///
/// Batch-invariant (`settings.batchInvariant`, the default): one query at a time, its tokens in
/// chunks of `batchSize` from its first token, in the KV cells right after the prefix (llama.cpp
/// places a decode at the first free cell from the head, which freeing the previous query resets
/// to the prefix's end). Every query then meets the same matmul and attention kernels, the same
/// cells and the same attention length whatever else is queued: its scores are bit-identical at
/// any `parallel`, run after run, and one at a time (`route` scores through a one-sequence engine).
/// Otherwise (continuous batching) the waiting and in-flight queries are decoded together, each
/// decode carrying up to `batchSize` tokens taken round-robin from `parallel` sequences; the
/// kernels llama.cpp picks and the cells a query gets then depend on its batch-mates
/// (docs/reproducibility.md).
public final class ScoringEngine: Sendable {
    public let promptBuilder: PromptBuilder
    public let settings: ScoringEngineSettings
    public let statistics = EngineStatistics()
    /// Tokens of the shared prefix.
    public let prefixLength: Int

    private struct Job {
        var prompt: ScoringPrompt
        var ticket: ScoringTicket
        /// The head in force when the query was queued: a query in flight during a swap
        /// (`replaceHead`) finishes with the head it started with.
        var head: LabelHead?
    }

    private struct Queue {
        var jobs: [Job] = []
        var head = 0
        var stopping = false
        var backlog = ScoringBacklog()
        var count: Int { jobs.count - head }

        mutating func popFirst() -> Job? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head > 1024, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    /// A sequence in use: the query's tokens after the prefix and how many are decoded.
    private struct Slot {
        var job: Job
        var tokens: [LlamaToken]
        var decoded = 0
        /// Sums of the pooled blocks' outputs over the query's tokens decoded so far.
        var pooled: PooledBlockSums
    }

    private let queue = Lock(Queue())
    /// The head applied to queries queued from now on (`settings.head` at start).
    private let liveHead: Lock<LabelHead?>
    /// The model's hidden-state width (a replacing head must read the same).
    private let embeddingSize: Int
    private let wakeup = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    /// The inference thread's state: touched only by that thread once it runs.
    private let worker: Worker

    public init(model: LlamaModel, template: ScoringTemplate, settings: ScoringEngineSettings) throws(RouterError) {
        precondition(settings.parallel > 0 && settings.batchSize > 0 && settings.maxQueue >= 0)
        try settings.head?.check(embeddingSize: model.embeddingSize)
        let builder = try PromptBuilder(template: template, formatter: model, tokenizer: model.vocab,
                                        contextLength: settings.contextLength, endsAtQuery: settings.scoresAtQueryEnd)
        let prefix = builder.fixedPrefix
        let sequences = settings.activeSequences
        let configuration = LlamaContextConfiguration(
            contextLength: prefix.count + sequences * (settings.contextLength - prefix.count),
            batchSize: settings.batchSize, sequenceCount: sequences + 1,
            threads: settings.threads, embeddings: settings.readsHiddenState, unifiedMemory: true,
            observedBlocks: settings.readsBlocks, stopsAfterObservedBlocks: settings.stopsAfterPooledBlocks)
        let warmup = try builder.prompt(for: "warm-up")
        let context: LlamaContext
        let restored: Bool
        do {
            context = try LlamaContext(model: model, configuration: configuration)
            let batch = LlamaBatch(capacity: settings.batchSize)
            restored = settings.prefixStore?.restore(prefix: prefix, into: context, sequence: 0) == true
            if !restored {
                var start = 0
                while start < prefix.count {
                    let chunk = Array(prefix[start..<min(prefix.count, start + settings.batchSize)])
                    batch.removeAll()
                    try batch.append(contentsOf: chunk, startPosition: start, sequence: 0, lastProducesOutput: false)
                    try context.decode(batch)
                    start += chunk.count
                }
            }
            // Warm-up: one query-shaped decode on sequence 1, so the first real request does not
            // pay for graph set-up (a one-off scorer's first query is its only one: no warm-up).
            if settings.warmsUp {
                context.copyMemory(from: 0, to: 1, positions: 0..<prefix.count)
                batch.removeAll()
                try batch.append(contentsOf: warmup.query + warmup.suffix, startPosition: prefix.count, sequence: 1, lastProducesOutput: true)
                try context.decode(batch)
                context.removeFromMemory(sequence: 1)
            }
        } catch {
            throw .llama(error)
        }
        self.promptBuilder = builder
        self.liveHead = Lock(settings.head)
        self.embeddingSize = model.embeddingSize
        self.tokenizer = model.vocab
        self.settings = settings
        self.prefixLength = prefix.count
        self.restoredPrefix = restored
        self.worker = Worker(context: context, labelTokens: try LabelTokens.resolve(in: model.vocab),
                             pooledBlocks: settings.readsBlocks, width: model.embeddingSize)
        if !restored, let store = settings.prefixStore {
            worker.pendingPrefixSave = (store, prefix, ContinuousClock.now + Self.prefixSaveDelay)
        }
        let thread = Thread { [self] in run() }
        thread.name = "causal-router-inference"
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Whether the template prefix's state came from `settings.prefixStore` instead of a decode.
    public let restoredPrefix: Bool

    /// The name of the template in use.
    public var templateName: String { promptBuilder.template.name }

    /// The model's tokenizer (thread-safe).
    public let tokenizer: any Tokenizing

    /// Queries waiting for a sequence.
    public var queueDepth: Int { queue.withLock { $0.count } }

    /// The scoring prompt of `query`, built on the caller's thread (tokenizing is thread-safe).
    public func prompt(for query: String) throws(RouterError) -> ScoringPrompt {
        try promptBuilder.prompt(for: query)
    }

    /// Queues a prompt; returns at once. Refuses `.overloaded` when the queue is full,
    /// `.wouldMissDeadline` when, given a `budget`, the work ahead of it (queued and in-flight
    /// tokens at the engine's measured rate) says it would not be scored within it (the caller
    /// then fails open now rather than at its deadline), `.shuttingDown` when the engine stops.
    public func submit(_ prompt: ScoringPrompt, within budget: Duration? = nil) throws(RouterError) -> ScoringTicket {
        let ticket = ScoringTicket()
        let tokens = Self.cost(of: prompt)
        let seconds = budget.map { $0.milliseconds / 1000 }
        let refusal: RouterError? = queue.withLock { state in
            if state.stopping { return .shuttingDown }
            if state.count >= settings.maxQueue { return .overloaded(queueLimit: settings.maxQueue) }
            if let seconds, !state.backlog.admits(tokens: tokens, within: seconds) {
                let estimate = state.backlog.estimatedSeconds(forNew: tokens) ?? 0
                return .wouldMissDeadline(estimatedMs: Int(min(estimate * 1000, 1e9)), budgetMs: Int(max(0, min(seconds * 1000, 1e9))))
            }
            state.jobs.append(Job(prompt: prompt, ticket: ticket, head: liveHead.withLock { $0 }))
            state.backlog.added(tokens: tokens)
            return nil
        }
        if let refusal { throw refusal }
        wakeup.signal()
        return ticket
    }

    /// The learned head applied to queries queued from now on (nil: zero-shot).
    public var head: LabelHead? { liveHead.withLock { $0 } }

    /// Swaps the learned head for the queries queued from now on; those queued or in flight
    /// finish with theirs. Refused (the head in force stays) when the new head reads what this
    /// engine was not set up to read: another hidden-state width, blocks it does not pool, or
    /// the other prompt shape (`query-end`); such a head needs a restart.
    public func replaceHead(_ head: LabelHead?) throws(RouterError) {
        if let head {
            try head.check(embeddingSize: embeddingSize)
            var missing: [String] = []
            if head.features.finalState && !settings.readsHiddenState { missing.append("the final hidden state") }
            let blocks = Set(head.features.pooledBlocks).subtracting(settings.readsBlocks)
            if !blocks.isEmpty { missing.append("blocks " + blocks.sorted().map { "b\($0)" }.joined(separator: ",")) }
            if settings.stopsAfterPooledBlocks && head.features.labelLogits { missing.append("the label logits") }
            if head.features.endsAtQuery != settings.scoresAtQueryEnd {
                missing.append(head.features.endsAtQuery ? "features at the query's end (query-end)" : "features after the template's suffix")
            }
            if !missing.isEmpty {
                throw .headInvalid(path: head.name, reason: "it reads \(missing.joined(separator: " and ")), which the running engine "
                                   + "does not; restart to use it")
            }
        }
        liveHead.withLock { $0 = head }
    }

    /// Seconds the engine expects a new query of `tokens` (after the prefix) to wait and be
    /// scored, everything queued before it first; nil before it has measured a decode.
    public func estimatedSeconds(forNewQueryOf tokens: Int) -> Double? {
        queue.withLock { $0.backlog.estimatedSeconds(forNew: tokens) }
    }

    /// The tokens a query costs the engine: its own and the template's suffix.
    static func cost(of prompt: ScoringPrompt) -> Int { prompt.query.count + prompt.suffix.count }

    /// Builds, queues and waits for one query (no deadline): for batch jobs and tests.
    public func score(_ query: String) throws(RouterError) -> ScoredQuery {
        try submit(prompt(for: query)).wait().get()
    }

    /// Stops accepting queries, finishes every query already queued or in flight, and ends the
    /// inference thread. Safe to call more than once.
    public func shutdown() {
        let first = queue.withLock { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        wakeup.signal()
        stopped.wait()
    }

    // MARK: - The inference thread

    private func run() {
        // Batch-invariant: one sequence, so one query in the context at a time.
        var slots: [Slot?] = Array(repeating: nil, count: settings.activeSequences)
        var rotation = 0
        let batch = LlamaBatch(capacity: settings.batchSize)
        while true {
            // Drop queries whose waiter has gone; admit queued ones into free sequences.
            for i in slots.indices where slots[i]?.job.ticket.isAbandoned == true {
                free(&slots, i)
                statistics.recordAbandoned()
            }
            var admitted: [Int] = []
            let stopping = queue.withLock { state -> Bool in
                for i in slots.indices where slots[i] == nil {
                    while let job = state.popFirst() {
                        if job.ticket.isAbandoned {
                            state.backlog.removed(tokens: Self.cost(of: job.prompt))
                            statistics.recordAbandoned()
                            continue
                        }
                        slots[i] = Slot(job: job, tokens: job.prompt.query + job.prompt.suffix,
                                        pooled: PooledBlockSums(blocks: worker.pooledBlocks.count, width: worker.width))
                        admitted.append(i)
                        break
                    }
                }
                return state.stopping
            }
            // Outside the lock: submitters never wait on llama.cpp.
            for i in admitted {
                worker.context.copyMemory(from: 0, to: i + 1, positions: 0..<prefixLength)
            }
            if slots.allSatisfy({ $0 == nil }) {
                if stopping && queueDepth == 0 {
                    savePrefixIfPending(now: true)
                    break
                }
                if let pending = worker.pendingPrefixSave {
                    // Idle with the prefix not yet saved: save it once the start's first requests
                    // are answered (a saving start then does not delay its first verdict).
                    if wakeup.wait(timeout: .now() + .milliseconds(max(0, Int((pending.due - .now).milliseconds)))) == .timedOut {
                        savePrefixIfPending(now: false)
                    }
                } else {
                    wakeup.wait()
                }
                continue
            }

            // One decode: tokens from each active sequence in turn, starting at `rotation`.
            batch.removeAll()
            var finishing: [(slot: Int, batchIndex: Int)] = []
            var queryRows: [(slot: Int, batchStart: Int, count: Int)] = []
            var carried = 0
            for k in 0..<slots.count {
                let i = (rotation + k) % slots.count
                guard let slot = slots[i], batch.remaining > 0, slot.decoded < slot.tokens.count else { continue }
                let count = min(batch.remaining, slot.tokens.count - slot.decoded)
                let chunk = Array(slot.tokens[slot.decoded..<slot.decoded + count])
                let finishes = slot.decoded + count == slot.tokens.count
                let ofQuery = min(count, max(0, slot.job.prompt.query.count - slot.decoded))
                if ofQuery > 0 && !worker.pooledBlocks.isEmpty { queryRows.append((i, batch.count, ofQuery)) }
                // Cannot fail: the chunk is non-empty and fits the batch's remaining room.
                guard let last = try? batch.append(contentsOf: chunk, startPosition: prefixLength + slot.decoded,
                                                   sequence: i + 1, lastProducesOutput: finishes) else { continue }
                slots[i]!.decoded += count
                carried += 1
                if finishes { finishing.append((i, last)) }
            }
            rotation = (rotation + 1) % slots.count
            let start = ContinuousClock.now
            do {
                try worker.context.decode(batch)
            } catch {
                for i in slots.indices where slots[i] != nil && slots[i]!.decoded > 0 {
                    let ticket = slots[i]!.job.ticket
                    free(&slots, i)
                    ticket.complete(.failure(.llama(error)))
                }
                continue
            }
            for (i, batchStart, count) in queryRows { slots[i]!.pooled.add(from: worker.context, rows: batchStart..<batchStart + count) }
            let seconds = (ContinuousClock.now - start).milliseconds / 1000
            statistics.recordDecode(queries: carried, tokens: batch.count, seconds: seconds)
            queue.withLock { $0.backlog.observed(tokens: batch.count, seconds: seconds) }
            for (i, batchIndex) in finishing {
                let slot = slots[i]!
                let result: Result<ScoredQuery, RouterError>
                do {
                    // A pass that stopped after the pooled blocks has no logits; the head's
                    // distribution replaces the zero-shot one anyway.
                    let labelLogits = worker.context.configuration.stopBlock != nil
                        ? nil : worker.labelTokens.logits(in: try worker.context.logits(at: batchIndex))
                    let hidden = settings.readsHiddenState ? Array(try worker.context.embeddings(at: batchIndex)) : nil
                    var scored = ScoredQuery(distribution: labelLogits.map { LabelDistribution(logits: $0) }
                                                 ?? LabelDistribution(probabilities: [Double](repeating: 0.2, count: 5)),
                                             truncated: slot.job.prompt.truncated, promptTokens: slot.job.prompt.tokenCount,
                                             hiddenState: hidden, labelLogits: labelLogits,
                                             pooledStates: slot.pooled.mean(over: slot.job.prompt.query.count),
                                             promptStatistics: slot.job.prompt.statistics)
                    scored.pooledBlocks = worker.pooledBlocks
                    result = .success(slot.job.head?.apply(to: scored) ?? scored)
                } catch {
                    result = .failure(.llama(error))
                }
                // Freed first, so a waiter that wakes sees the engine's backlog without it.
                free(&slots, i)
                slot.job.ticket.complete(result)
            }
            statistics.recordCompleted(finishing.count)
        }
        stopped.signal()
    }

    private func free(_ slots: inout [Slot?], _ i: Int) {
        if let slot = slots[i] {
            queue.withLock { $0.backlog.removed(tokens: slot.tokens.count) }
        }
        slots[i] = nil
        worker.context.removeFromMemory(sequence: i + 1)
    }

    /// How long after the start a prefix that was decoded (not restored) is saved, at the first
    /// idle moment past it (or at shutdown, if sooner).
    static let prefixSaveDelay = Duration.seconds(2)

    /// Saves the decoded prefix into the store if it is still to be saved (`now`: whether or not
    /// its time has come). On the inference thread, with no query in the context.
    private func savePrefixIfPending(now: Bool) {
        guard let pending = worker.pendingPrefixSave, now || ContinuousClock.now >= pending.due else { return }
        worker.pendingPrefixSave = nil
        pending.store.save(prefix: pending.prefix, from: worker.context, sequence: 0)
    }

    /// The context and label tokens, used only by the inference thread after start-up.
    private final class Worker: @unchecked Sendable {
        let context: LlamaContext
        let labelTokens: LabelTokens
        /// A decoded prefix to save in the store, and from when.
        var pendingPrefixSave: (store: PrefixStateStore, prefix: [LlamaToken], due: ContinuousClock.Instant)?
        /// Blocks pooled, ascending (empty: none), and the model's hidden width.
        let pooledBlocks: [Int]
        let width: Int

        init(context: LlamaContext, labelTokens: LabelTokens, pooledBlocks: [Int], width: Int) {
            self.context = context
            self.labelTokens = labelTokens
            self.pooledBlocks = pooledBlocks
            self.width = width
        }
    }
}
