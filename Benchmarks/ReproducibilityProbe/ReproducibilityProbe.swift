import Foundation
import LlamaKit
import RouterCore
import TestSupport

/// The measurements behind docs/reproducibility.md: how much each way llama.cpp can compute a
/// query differently moves its scores, the engine's agreement with itself end to end, and the
/// throughput of both engine paths. A benchmark, not a test (minutes on 2 cores); run with
///   make probe PROBE=N
/// (N GSM8K and N Arena-Hard prompts, default 8). Prints the tables.
@main
struct ReproducibilityProbe {
    static let count: Int = {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.contains("--help") || arguments.contains("-h") {
            print("""
            usage: reproducibility-probe [N]
              Scores the first N GSM8K and N Arena-Hard prompts of data/ (default 8) with the default
              model, template and shipped head in each way llama.cpp can compute them differently,
              then through the engine on both batching paths, and prints docs/reproducibility.md's tables.
            """)
            exit(0)
        }
        guard let text = arguments.first else { return 8 }
        guard let n = Int(text), n > 0 else {
            FileHandle.standardError.write(Data("reproducibility-probe: N must be a positive whole number, got \"\(text)\"\n".utf8))
            exit(2)
        }
        return n
    }()

    static func main() {
        _ = count
        do {
            try sourcesOfDifference()
            try engineAgreementAndThroughput()
        } catch {
            FileHandle.standardError.write(Data("reproducibility-probe: \(error)\n".utf8))
            exit(1)
        }
    }

    static let header = "| variant against the reference | bit-identical | route flips | max Δ win rate (head) | max Δ win rate (zero-shot) |\n|---|---|---|---|---|"

    static func sourcesOfDifference() throws {
        let bench = try ProbeBench()
        let threshold = bench.head.threshold
        let texts = try RepositoryFixture.gsm8kQueries(Self.count) + RepositoryFixture.arenaHardQueries(Self.count)
        let prompts = try texts.map { try bench.builder.prompt(for: $0) }
        let context = try bench.context(), single = try bench.context(threads: 1)
        var tallies: [(String, ProbeTally)] = [
            ("2 output rows in the decode (llamafile sgemm for the Q8_0 output matmul) instead of 1 (vec_dot)", ProbeTally()),
            ("query+suffix split into 32-token decodes (vector flash-attention kernel, not tiled) instead of one", ProbeTally()),
            ("query+suffix split into 2 decodes at 64 tokens (same kernels if both halves >= 64)", ProbeTally()),
            ("query after 37 cells of another sequence in the unified KV cache (other cell tiles)", ProbeTally()),
            ("one pass over prefix+query+suffix (route before) instead of cached prefix + one decode", ProbeTally()),
            ("1 thread instead of 2", ProbeTally()),
            ("decoded in one decode with another query (engine's continuous batching)", ProbeTally()),
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

    static func engineAgreementAndThroughput() throws {
        let head = try RepositoryFixture.setup.head()
        let threshold = try RepositoryFixture.setup.config(head: head).threshold
        let queries = try RepositoryFixture.gsm8kQueries(Self.count) + RepositoryFixture.arenaHardQueries(Self.count)
        func run(_ parallel: Int, invariant: Bool, _ texts: [String]) throws -> (scored: [ScoredQuery], seconds: Double) {
            let engine = try ScoringEngine(model: RepositoryFixture.model(), template: RepositoryFixture.template(),
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
            var twice = ProbeTally(), across = ProbeTally()
            for i in queries.indices {
                twice.add(a[i], b[i], threshold: threshold)
                across.add(one[i], a[i], threshold: threshold)
            }
            let mode = invariant ? "batch-invariant" : "continuous batching"
            print(twice.row("\(mode): -np 16 twice"))
            print(across.row("\(mode): -np 1 against -np 16"))
        }

        // Throughput on GSM8K, alternating the two paths at 16 clients.
        let gsm8k = try RepositoryFixture.gsm8kQueries(max(32, Self.count))
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
