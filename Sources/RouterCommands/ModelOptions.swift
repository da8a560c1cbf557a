import RouterCore

/// The options every model-running command shares, with their help text.
enum ModelOptions {
    static let declared: [ParsedArguments.Option] = [
        .init(name: "model", aliases: ["-m"]),
        .init(name: "template"),
        .init(name: "head"),
        .init(name: "no-head", takesValue: false),
        .init(name: "config"),
        .init(name: "threshold"),
        .init(name: "ctx", aliases: ["-c"]),
        .init(name: "threads", aliases: ["-t"]),
        .init(name: "gpu-layers", aliases: ["-ngl"]),
        .init(name: "help", aliases: ["-h"], takesValue: false),
    ]

    static let help = """
      -m, --model NAME|PATH   scoring model: a catalog name (models/catalog.tsv) or a GGUF file
                              (default: \(ModelCatalog.defaultModelName))
          --template PATH     scoring template (default: prompts/\(ResourceLocator.defaultTemplateFile))
          --head FILE         a learned label head (`causal-router train`): the label distribution
                              comes from it, and its threshold replaces the config's; refused when
                              it was trained for another model or template file. Default: the
                              shipped head models/heads/<model>-<template>.json when it matches
                              the model and template in use (e.g. \(ResourceLocator.defaultHeadFile))
          --no-head           no head: the template's zero-shot label logits
          --config PATH       routing config JSON: strong_model, weak_model, threshold
                              (default: models/router.json)
          --threshold X       route strong when strong_win_rate >= X (overrides the config)
      -c, --ctx N             context length in tokens; longer queries are truncated (default: \(ScoringEngineSettings.defaultContextLength))
      -t, --threads N         CPU threads (default: all cores)
      -ngl, --gpu-layers N    layers offloaded to a GPU build of llama.cpp (default: 0)
      -h, --help              show this help
    """

    /// Reads the shared options into `RouterOptions`.
    static func read(_ parsed: ParsedArguments, command: String) throws(CLIError) -> RouterOptions {
        var options = RouterOptions()
        if let model = parsed.value("model") { options.model = model }
        options.templatePath = parsed.value("template")
        options.configPath = parsed.value("config")
        options.headPath = parsed.value("head")
        options.zeroShot = parsed.flag("no-head")
        if options.zeroShot && options.headPath != nil {
            throw .usage("--head and --no-head exclude each other", command: command)
        }
        options.threshold = try parsed.number("threshold", in: 0...1, command: command)
        options.contextLength = try parsed.integer("ctx", in: 64...1_048_576, command: command) ?? options.contextLength
        options.threads = try parsed.integer("threads", in: 1...1024, command: command) ?? options.threads
        options.gpuLayers = try parsed.integer("gpu-layers", in: -1...100_000, command: command) ?? options.gpuLayers
        return options
    }
}
