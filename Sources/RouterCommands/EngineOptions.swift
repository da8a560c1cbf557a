import RouterCore

/// The batched engine's options (`--parallel`, `--ctx`, `--batch-size`, `--max-queue`,
/// `--continuous-batching`), read the same way by serve, label, eval and train; each command
/// passes its own defaults. An option a command does not declare is never present, so its
/// default applies (for `--continuous-batching`: batch-invariant scoring).
enum EngineOptions {
    static func read(_ parsed: ParsedArguments, command: String, threads: Int, defaultParallel: Int,
                     defaultMaxQueue: Int? = nil) throws(CLIError) -> ScoringEngineSettings {
        let parallel = try parsed.integer("parallel", in: 1...256, command: command) ?? defaultParallel
        return ScoringEngineSettings(
            parallel: parallel,
            contextLength: try parsed.integer("ctx", in: 64...1_048_576, command: command) ?? ScoringEngineSettings.defaultContextLength,
            batchSize: try parsed.integer("batch-size", in: 16...65_536, command: command) ?? 128,
            maxQueue: try parsed.integer("max-queue", in: 0...1_000_000, command: command) ?? defaultMaxQueue ?? parallel * 8,
            threads: threads, batchInvariant: !parsed.flag("continuous-batching"))
    }
}
