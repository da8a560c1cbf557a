import Foundation
import LlamaKit
import Testing
import RouterCore

/// The measurements behind docs/reproducibility.md: how much each way llama.cpp can compute a
/// query differently moves its scores, the engine's agreement with itself end to end, and the
/// throughput of both engine paths. Off by default (minutes on 2 cores); run with
///   CAUSAL_ROUTER_PROBE=N swift test --skip-build --filter ReproducibilityProbe
/// (N GSM8K and N Arena-Hard prompts). Prints tables; asserts nothing about the sizes.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["CAUSAL_ROUTER_PROBE"] != nil))
struct ReproducibilityProbeTests {
    static var count: Int { Int(ProcessInfo.processInfo.environment["CAUSAL_ROUTER_PROBE"] ?? "") ?? 20 }

    /// Differences of one variant against the reference, over all queries.
    struct Tally {
        var queries = 0, identical = 0, routeFlips = 0
        var zeroShot = 0.0, head = 0.0

        mutating func add(_ a: ScoredQuery, _ b: ScoredQuery, threshold: Double) {
            queries += 1
            if a.distribution == b.distribution && a.labelLogits == b.labelLogits { identical += 1 }
            if (a.distribution.strongWinRate >= threshold) != (b.distribution.strongWinRate >= threshold) { routeFlips += 1 }
            head = max(head, abs(a.distribution.strongWinRate - b.distribution.strongWinRate))
            let za = LabelDistribution(logits: a.labelLogits ?? []), zb = LabelDistribution(logits: b.labelLogits ?? [])
            zeroShot = max(zeroShot, abs(za.strongWinRate - zb.strongWinRate))
        }

        func row(_ name: String) -> String {
            String(format: "| %@ | %d/%d | %d (%.1f%%) | %.4f | %.4f |", name, identical, queries, routeFlips,
                   100 * Double(routeFlips) / Double(max(1, queries)), head, zeroShot)
        }
    }

    static let header = "| variant against the reference | bit-identical | route flips | max Δ win rate (head) | max Δ win rate (zero-shot) |\n|---|---|---|---|---|"

    /// One query's decodes, laid out by hand on a raw context.
    final class Bench {
        let model: LlamaModel
        let builder: PromptBuilder
        let labels: LabelTokens
        let head: LabelHead

        init() throws {
            model = try EngineFixture.model()
            builder = try PromptBuilder(template: EngineFixture.template(), formatter: model, tokenizer: model.vocab, contextLength: 1024)
            labels = try LabelTokens.resolve(in: model.vocab)
            head = try #require(try EngineFixture.setup.head())
        }

        func context(threads: Int = 2) throws -> LlamaContext {
            try LlamaContext(model: model, configuration: .init(contextLength: 3072, batchSize: 1536, sequenceCount: 3,
                                                                  threads: threads, embeddings: true))
        }

        /// Appends `tokens` of `sequence` at `start...`; offsets in `outputs` produce output.
        func append(_ batch: LlamaBatch, _ tokens: ArraySlice<LlamaToken>, start: Int, sequence: Int, outputs: Set<Int>) throws -> [Int: Int] {
            var indices: [Int: Int] = [:]
            for (offset, token) in tokens.enumerated() {
                let i = try batch.append(token, position: start + offset, sequences: [sequence], producesOutput: outputs.contains(offset))
                if outputs.contains(offset) { indices[offset] = i }
            }
            return indices
        }

        func read(_ context: LlamaContext, at index: Int) throws -> ScoredQuery {
            let logits = labels.logits(in: try context.logits(at: index))
            let scored = ScoredQuery(distribution: LabelDistribution(logits: logits), truncated: false, promptTokens: 0,
                                     hiddenState: Array(try context.embeddings(at: index)), labelLogits: logits)
            return head.apply(to: scored)
        }

        /// The prefix into sequence 0 in 512-token chunks (as the engine).
        func decodePrefix(_ context: LlamaContext, _ prefix: [LlamaToken]) throws {
            let batch = LlamaBatch(capacity: 1536)
            var start = 0
            while start < prefix.count {
                let end = min(prefix.count, start + 512)
                batch.removeAll()
                _ = try append(batch, prefix[start..<end], start: start, sequence: 0, outputs: [])
                try context.decode(batch)
                start = end
            }
        }

        /// Query and suffix after the cached prefix, in decodes of `chunk` tokens; `extraOutput`
        /// also asks for output at the body's first token (two output rows in the last decode).
        func score(_ context: LlamaContext, _ prompt: ScoringPrompt, chunk: Int = 512, sequence: Int = 0,
                   extraOutput: Bool = false) throws -> ScoredQuery {
            let body = prompt.query + prompt.suffix, start = prompt.prefix.count
            let batch = LlamaBatch(capacity: 1536)
            var decoded = 0, last = 0
            while decoded < body.count {
                let end = min(body.count, decoded + chunk)
                batch.removeAll()
                var outputs: Set<Int> = end == body.count ? [end - decoded - 1] : []
                if extraOutput && end == body.count { outputs.insert(0) }
                let indices = try append(batch, body[decoded..<end], start: start + decoded, sequence: sequence, outputs: outputs)
                try context.decode(batch)
                if end == body.count { last = indices[end - decoded - 1]! }
                decoded = end
            }
            return try read(context, at: last)
        }

        func reference(_ context: LlamaContext, _ prompt: ScoringPrompt) throws -> ScoredQuery {
            context.clearMemory()
            try decodePrefix(context, prompt.prefix)
            return try score(context, prompt)
        }
    }

    @Test func sourcesOfDifference() throws {
        let bench = try Bench()
        let threshold = bench.head.threshold
        let texts = try EngineFixture.gsm8kQueries(Self.count) + EngineFixture.arenaHardQueries(Self.count)
        let prompts = try texts.map { try bench.builder.prompt(for: $0) }
        let context = try bench.context(), single = try bench.context(threads: 1)
        var tallies: [(String, Tally)] = [
            ("2 output rows in the decode (llamafile sgemm for the Q8_0 output matmul) instead of 1 (vec_dot)", Tally()),
            ("query+suffix split into 32-token decodes (vector flash-attention kernel, not tiled) instead of one", Tally()),
            ("query+suffix split into 2 decodes at 64 tokens (same kernels if both halves >= 64)", Tally()),
            ("query after 37 cells of another sequence in the unified KV cache (other cell tiles)", Tally()),
            ("one pass over prefix+query+suffix (route before) instead of cached prefix + one decode", Tally()),
            ("1 thread instead of 2", Tally()),
            ("decoded in one decode with another query (engine's continuous batching)", Tally()),
        ]
        for (n, prompt) in prompts.enumerated() {
            let r = try bench.reference(context, prompt)
            context.clearMemory(); try bench.decodePrefix(context, prompt.prefix)
            tallies[0].1.add(r, try bench.score(context, prompt, extraOutput: true), threshold: threshold)
            context.clearMemory(); try bench.decodePrefix(context, prompt.prefix)
            tallies[1].1.add(r, try bench.score(context, prompt, chunk: 32), threshold: threshold)
            context.clearMemory(); try bench.decodePrefix(context, prompt.prefix)
            tallies[2].1.add(r, try bench.score(context, prompt, chunk: 64), threshold: threshold)

            // Another sequence's 37 tokens take the cells right after the prefix first.
            context.clearMemory(); try bench.decodePrefix(context, prompt.prefix)
            let filler = LlamaBatch(capacity: 64)
            _ = try bench.append(filler, ArraySlice(Array(repeating: prompt.suffix[0], count: 37)), start: prompt.prefix.count, sequence: 2, outputs: [])
            try context.decode(filler)
            context.copyMemory(from: 0, to: 1, positions: 0..<prompt.prefix.count)
            tallies[3].1.add(r, try bench.score(context, prompt, sequence: 1), threshold: threshold)

            context.clearMemory()
            let whole = LlamaBatch(capacity: 1536)
            let indices = try bench.append(whole, ArraySlice(prompt.tokens), start: 0, sequence: 0, outputs: [prompt.tokenCount - 1])
            try context.decode(whole)
            tallies[4].1.add(r, try bench.read(context, at: indices[prompt.tokenCount - 1]!), threshold: threshold)

            tallies[5].1.add(r, try bench.reference(single, prompt), threshold: threshold)

            // With its neighbour in the list, both decoded in one batch on sequences 1 and 2.
            let other = prompts[(n + 1) % prompts.count]
            context.clearMemory(); try bench.decodePrefix(context, prompt.prefix)
            context.copyMemory(from: 0, to: 1, positions: 0..<prompt.prefix.count)
            context.copyMemory(from: 0, to: 2, positions: 0..<prompt.prefix.count)
            let pair = LlamaBatch(capacity: 1536)
            let otherBody = other.query + other.suffix, body = prompt.query + prompt.suffix
            if otherBody.count + body.count <= 1536 {
                _ = try bench.append(pair, ArraySlice(otherBody), start: other.prefix.count, sequence: 2, outputs: [otherBody.count - 1])
                let mine = try bench.append(pair, ArraySlice(body), start: prompt.prefix.count, sequence: 1, outputs: [body.count - 1])
                try context.decode(pair)
                tallies[6].1.add(r, try bench.read(context, at: mine[body.count - 1]!), threshold: threshold)
            }
        }
        print("\nSources of difference (\(prompts.count) prompts, reference: cached prefix, query+suffix in one decode, 2 threads):")
        print(Self.header)
        for (name, tally) in tallies { print(tally.row(name)) }
    }

    @Test func engineAgreementAndThroughput() throws {
        let head = try EngineFixture.setup.head()
        let threshold = try EngineFixture.setup.config(head: head).threshold
        let queries = try EngineFixture.gsm8kQueries(Self.count) + EngineFixture.arenaHardQueries(Self.count)
        func run(_ parallel: Int, invariant: Bool, _ texts: [String]) throws -> (scored: [ScoredQuery], seconds: Double) {
            let engine = try BatchedScoringEngine(model: EngineFixture.model(), template: EngineFixture.template(),
                                                  settings: ScoringEngineSettings(parallel: parallel, maxQueue: 256, threads: 2,
                                                                                  head: head, batchInvariant: invariant))
            defer { engine.shutdown() }
            let start = ContinuousClock.now
            let scored = try engine.scoreAll(texts)
            return (scored, (ContinuousClock.now - start).milliseconds / 1000)
        }
        print("\nEngine end to end (\(queries.count) prompts, shipped head, threshold \(threshold)):")
        print(Self.header)
        for invariant in [false, true] {
            let one = try run(1, invariant: invariant, queries).scored
            let a = try run(16, invariant: invariant, queries).scored
            let b = try run(16, invariant: invariant, queries).scored
            var twice = Tally(), across = Tally()
            for i in queries.indices {
                twice.add(a[i], b[i], threshold: threshold)
                across.add(one[i], a[i], threshold: threshold)
            }
            let mode = invariant ? "batch-invariant" : "continuous batching"
            print(twice.row("\(mode): -np 16 twice"))
            print(across.row("\(mode): -np 1 against -np 16"))
        }

        // Throughput on GSM8K, alternating the two paths at 16 clients.
        let gsm8k = try EngineFixture.gsm8kQueries(max(32, Self.count))
        var rates: [Bool: [Double]] = [false: [], true: []]
        for _ in 0..<3 {
            for invariant in [false, true] {
                let seconds = try run(16, invariant: invariant, gsm8k).seconds
                rates[invariant]!.append(Double(gsm8k.count) / seconds)
            }
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        print(String(format: "\nThroughput, %d GSM8K queries, -np 16, 3 alternating rounds: continuous %@ req/s, invariant %@ req/s; invariant/continuous (medians) = %.3f",
                     gsm8k.count, rates[false]!.map { String(format: "%.2f", $0) }.joined(separator: " "),
                     rates[true]!.map { String(format: "%.2f", $0) }.joined(separator: " "), median(rates[true]!) / median(rates[false]!)))
    }
}
