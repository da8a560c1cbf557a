import Foundation
import LlamaKit

/// The composition root: turns `RouterOptions` into a loaded model, template, config and scorer.
/// Shared by the command-line front, the server and the tests.
public struct RouterSetup: Sendable {
    public let locator: ResourceLocator
    public let options: RouterOptions

    public init(options: RouterOptions, locator: ResourceLocator = ResourceLocator()) {
        self.options = options
        self.locator = locator
    }

    /// The GGUF path the options name.
    public func modelPath() throws(RouterError) -> String {
        let catalogPath = locator.catalogPath
        let catalog = FileManager.default.fileExists(atPath: catalogPath)
            ? try ModelCatalog.load(path: catalogPath)
            : ModelCatalog(entries: [], directory: locator.home + "/models")
        return try catalog.resolve(options.model)
    }

    public func template() throws(RouterError) -> ScoringTemplate {
        try ScoringTemplate.load(path: options.templatePath ?? locator.defaultTemplatePath)
    }

    /// The learned head in use, checked against the model and template files: the one the
    /// options name, else the shipped head for this model and template when one matches them
    /// (nil: zero-shot, also with `zeroShot`).
    public func head() throws(RouterError) -> LabelHead? {
        try headInUse()?.head
    }

    /// The head in use and its file (see `head()`).
    public func headInUse() throws(RouterError) -> (head: LabelHead, path: String)? {
        if options.zeroShot { return nil }
        if let path = options.headPath {
            let head = try LabelHead.load(path: path)
            try head.check(against: identity(), path: path)
            return (head, path)
        }
        let path = try defaultHeadPath()
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let head = try LabelHead.load(path: path)
        // A shipped head trained for another file of the same name (a changed template, a
        // re-quantised model) does not apply: zero-shot then, as without a head.
        guard (try? head.check(against: identity(), path: path)) != nil else { return nil }
        return (head, path)
    }

    /// Where the shipped head for the options' model and template would be:
    /// models/heads/<model name>-<template file stem>.json.
    public func defaultHeadPath() throws(RouterError) -> String {
        let templatePath = options.templatePath ?? locator.defaultTemplatePath
        let stem = URL(fileURLWithPath: templatePath).deletingPathExtension().lastPathComponent
        return locator.home + "/models/heads/\(ModelCatalog.displayName(options.model))-\(stem).json"
    }

    /// The SHA-256 of the model and template files the options name (the model's hashed once
    /// per file, memoised in the project's .cache).
    public func identity() throws(RouterError) -> ScoringIdentity {
        try ScoringIdentity(modelPath: modelPath(), templatePath: options.templatePath ?? locator.defaultTemplatePath,
                            memo: FileHashMemo(locator: locator))
    }

    /// The routing config; with a head, its threshold replaces the config's unless --threshold is given.
    public func config(head: LabelHead? = nil) throws(RouterError) -> RoutingConfig {
        var config: RoutingConfig
        if let path = options.configPath {
            config = try RoutingConfig.load(path: path)
        } else if FileManager.default.fileExists(atPath: locator.defaultConfigPath) {
            config = try RoutingConfig.load(path: locator.defaultConfigPath)
        } else {
            config = try RoutingConfig()
        }
        if let threshold = options.threshold ?? head?.threshold {
            guard (0...1).contains(threshold) else { throw .thresholdOutOfRange(threshold) }
            config.threshold = threshold
        }
        return config
    }

    /// Loads the model's weights.
    public func loadModel(vocabularyOnly: Bool = false) throws(RouterError) -> LlamaModel {
        let path = try modelPath()
        do {
            return try LlamaModel(path: path, gpuLayers: options.gpuLayers, vocabularyOnly: vocabularyOnly)
        } catch .modelLoadFailed(let path) {
            if let name = catalogName(of: path) {
                throw .modelCorrupt(path: path, reason: "llama.cpp cannot load it", fix: ModelCatalog.fetchCommand(for: name))
            }
            throw .llama(.modelLoadFailed(path: path))
        } catch {
            throw .llama(error)
        }
    }

    /// The scoring engine for one-off scoring (`route`) over a freshly loaded model (with `head`
    /// when given): one sequence, the options' context and threads, the project's prefix store.
    /// The same engine and decode as `serve`, `label` and `eval`, so the verdicts are the same.
    public func makeEngine(head: LabelHead? = nil) throws(RouterError) -> ScoringEngine {
        let template = try template()
        let model = try loadModel()
        var settings = ScoringEngineSettings(parallel: 1, contextLength: options.contextLength, maxQueue: 1,
                                             threads: options.threads, head: head)
        settings.warmsUp = false
        return try ScoringEngine(model: model, template: template, settings: withPrefixStore(settings))
    }

    /// The project's store of decoded template prefixes (.cache/prefix-states), keyed by the
    /// model file's SHA-256; nil when the model file cannot be hashed (then every start decodes).
    public func prefixStore() -> PrefixStateStore? {
        guard let identity = try? identity() else { return nil }
        return PrefixStateStore(locator: locator, modelSHA256: identity.modelSHA256)
    }

    /// `settings` with the project's prefix store (`prefixStore()`).
    public func withPrefixStore(_ settings: ScoringEngineSettings) -> ScoringEngineSettings {
        var settings = settings
        settings.prefixStore = prefixStore()
        return settings
    }

    private func catalogName(of path: String) -> String? {
        guard let catalog = try? ModelCatalog.load(path: locator.catalogPath) else { return nil }
        return catalog.entries.first { catalog.directory + "/" + $0.file == path }?.name
    }
}
