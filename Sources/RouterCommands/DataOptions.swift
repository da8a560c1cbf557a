/// The options of the commands that read labeled routing data (eval, train).
enum DataOptions {
    static let data = CommandOption.list(
        "data", "FILE", required: true,
        help: "a routing-data JSONL file (repeat or comma-separate for several; files after the options count too)")
    static let cache = CommandOption.text(
        "cache", "DIR", default: .described(".cache/scores in the project"), help: "score and feature cache")
    /// eval's and train's `--parallel`.
    static let parallel = EngineOptions.parallel.defaulting(to: .value("16"))
    /// eval's and train's `--ctx`: prompts are not truncated per request there but per row.
    static let ctx = ModelOptions.ctx.explained("tokens per prompt, template included")
}
