import RouterCore

/// The batched engine's options (`--parallel`, `--ctx`, `--batch-size`, `--max-queue`,
/// `--continuous-batching`), read the same way by serve, label, eval and train; each command
/// declares those it takes, with its own `--parallel` default. An option a command does not
/// declare is never present, so the default here applies (for `--continuous-batching`:
/// batch-invariant scoring).
enum EngineOptions {
    static let parallel = CommandOption.integer("parallel", alias: "-np", in: 1...256, help: "queries decoded together")
    static let batchSize = CommandOption.integer(
        "batch-size", alias: "-b", in: 16...65_536, default: .value(String(ScoringEngineSettings().batchSize)),
        help: "most tokens per decode call: a long query is decoded in chunks of it, which bounds the compute buffer")
    static let continuousBatching = CommandOption.flag(
        "continuous-batching",
        help: "decode several queries together (up to --parallel); by default each query is decoded alone, one at a "
            + "time, so its verdict is the same at any --parallel, run after run, and equal to `route`'s "
            + "(docs/reproducibility.md)")
    static let maxQueue = CommandOption.integer(
        "max-queue", in: 0...1_000_000, default: .described("8 x --parallel"),
        help: "queries waiting beyond those being decoded")

    static func read(_ parsed: ParsedArguments, threads: Int) -> ScoringEngineSettings {
        let parallel = parsed.integer(parallel) ?? ScoringEngineSettings().parallel
        return ScoringEngineSettings(
            parallel: parallel,
            contextLength: parsed.integer(ModelOptions.ctx) ?? ScoringEngineSettings.defaultContextLength,
            batchSize: parsed.integer(batchSize) ?? ScoringEngineSettings().batchSize,
            maxQueue: parsed.integer(maxQueue) ?? parallel * 8,
            threads: threads, batchInvariant: !parsed.flag(continuousBatching))
    }
}
