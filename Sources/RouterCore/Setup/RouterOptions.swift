import LlamaKit

/// What selects and sizes the scoring model: the shared options of `route`, `render` and `serve`.
public struct RouterOptions: Equatable, Sendable {
    /// A catalog name or a path to a GGUF file.
    public var model: String = ModelCatalog.defaultModelName
    /// A template file; nil means prompts/rating.txt.
    public var templatePath: String?
    /// A config file; nil means models/router.json when present, else built-in defaults.
    public var configPath: String?
    /// Overrides the config's threshold.
    public var threshold: Double?
    /// A learned head file (`causal-router train`); nil means the shipped head for the model and
    /// template in use (models/heads/<model>-<template>.json) when there is one that matches them.
    public var headPath: String?
    /// No head at all: the template's zero-shot label logits (`--no-head`).
    public var zeroShot = false
    /// Tokens of a prompt (template and query); longer queries are truncated. The engine's default
    /// (`ScoringEngineSettings.contextLength`), so `route` truncates as `serve` and `label` do.
    public var contextLength: Int = ScoringEngineSettings().contextLength
    public var threads: Int = LlamaContextConfiguration.defaultThreads
    public var gpuLayers: Int = 0

    public init() {}
}
