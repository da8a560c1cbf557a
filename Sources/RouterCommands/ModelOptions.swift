import RouterCore

/// The options every model-running command shares (route, render, serve, label, calibrate),
/// some of them also declared by eval and train.
enum ModelOptions {
    static let model = CommandOption.text(
        "model", alias: "-m", "NAME|PATH", default: .described(ModelCatalog.defaultModelName),
        help: "scoring model: a catalog name (models/catalog.tsv) or a GGUF file")
    static let template = CommandOption.text(
        "template", "PATH", default: .described("prompts/\(ResourceLocator.defaultTemplateFile)"), help: "scoring template")
    static let head = CommandOption.text(
        "head", "FILE",
        help: "a learned label head (`causal-router train`): the label distribution comes from it, and its threshold "
            + "replaces the config's; refused when it was trained for another model or template file. Default: the "
            + "shipped head models/heads/<model>-<template>.json when it matches the model and template in use "
            + "(e.g. \(ResourceLocator.defaultHeadFile))")
    static let noHead = CommandOption.flag("no-head", help: "no head: the template's zero-shot label logits")
    static let config = CommandOption.text(
        "config", "PATH", default: .described("models/router.json"), help: "routing config JSON: strong_model, weak_model, threshold")
    static let threshold = CommandOption.number(
        "threshold", in: 0...1, help: "route strong when strong_win_rate >= X (overrides the config)")
    static let ctx = CommandOption.integer(
        "ctx", alias: "-c", in: 64...1_048_576, default: .value(String(ScoringEngineSettings.defaultContextLength)),
        help: "context length in tokens; longer queries are truncated")
    static let threads = CommandOption.integer("threads", alias: "-t", in: 1...1024, default: .described("all cores"), help: "CPU threads")
    static let gpuLayers = CommandOption.integer(
        "gpu-layers", alias: "-ngl", in: -1...100_000, default: .value("0"), help: "layers offloaded to a GPU build of llama.cpp")

    /// All of them; `contextPer` says what the context length bounds ("request", "row").
    static func options(contextPer: String? = nil) -> [CommandOption] {
        let context = contextPer.map { ctx.explained("context length in tokens per \($0); longer queries are truncated") } ?? ctx
        return [model, template, head, noHead, config, threshold, context, threads, gpuLayers]
    }

    /// Reads the shared options into `RouterOptions`.
    static func read(_ parsed: ParsedArguments) throws(CLIError) -> RouterOptions {
        var options = RouterOptions()
        if let model = parsed.value(model) { options.model = model }
        options.templatePath = parsed.value(template)
        options.configPath = parsed.value(config)
        options.headPath = parsed.value(head)
        options.zeroShot = parsed.flag(noHead)
        if options.zeroShot && options.headPath != nil {
            throw parsed.spec.usage("--head and --no-head exclude each other")
        }
        options.threshold = parsed.number(threshold)
        options.contextLength = parsed.integer(ctx) ?? options.contextLength
        options.threads = parsed.integer(threads) ?? options.threads
        options.gpuLayers = parsed.integer(gpuLayers) ?? options.gpuLayers
        return options
    }
}
