import Foundation
import RouterCore
import RouterEvaluation

/// `causal-router eval`: RouteLLM's metrics for models and templates on labeled routing data.
struct EvalCommand: CLICommand {
    static let split = CommandOption.choice(
        "split", "S", ["train", "test", "all", "time"], default: .value("test"),
        help: "train | test | all (the rows' `split`) | time: the newest 20% of the rows by their `time` (recorded traffic: "
            + "the rows a head trained with `train --split time` never saw)")
    static let models = CommandOption.list(
        "model", alias: "-m", "NAME|PATH", default: .described(ModelCatalog.defaultModelName), help: "a scoring model (repeatable)")
    static let templates = CommandOption.list(
        "template", "PATH", default: .described("prompts/\(ResourceLocator.defaultTemplateFile)"), help: "a template file (repeatable)")
    static let heads = CommandOption.list(
        "head", "FILE", default: .described("each (model, template)'s shipped head, when one matches (models/heads/<model>-<template>.json)"),
        help: "evaluate this learned head (`causal-router train`) on the same forward pass: a row \"<model>:<template>+<head>\" "
            + "beside the zero-shot one (one --model and --template, those it was trained for). Repeat it to compare heads on "
            + "the same rows, e.g. the head in use and one trained on your own traffic")
    static let noHead = ModelOptions.noHead.explained("zero-shot rows only")
    static let json = CommandOption.flag(
        "json",
        help: "print one JSON object per benchmark instead of the table:\n"
            + "{\"benchmark\", \"n\", \"routers\": {\"<model>:<template>\"|\"random\"|\"oracle\": {...}}}")
    static let plot = CommandOption.text("plot", "FILE.svg", help: "write RouteLLM-style curves (score vs strong-call share)")
    static let category = CommandOption.list(
        "category", "LIST",
        help: "only rows of these categories (the rows' `category`, comma-separated: e.g. the obvious-cases set's held-out kinds)")
    static let sample = CommandOption.integer(
        "sample", in: 1...10_000_000,
        help: "evaluate a fixed sample of at most N rows per benchmark (those with the smallest SHA-256 of their id; "
            + "the same on every run)")

    static let spec = CommandSpec(
        name: "eval", summary: "evaluate models and templates on labeled routing data (APGR, CPT, ...)",
        about: """
        For each data file (the JSONL schema of shared/data/README.md; contaminated rows dropped)
        and each (model, template), scores every prompt and reports RouteLLM's metrics, beside the
        baselines `random` (mean of 20 seeds), `length` (the prompt-length rule, longer prompts to
        the strong model first, and shorter first) and `oracle`: APGR, CPT(50%), CPT(80%), and for the
        1-5 label: accuracy, mean absolute error, confusion matrix (--json) and ROC-AUC of
        P(label >= 4) for "the weak model is good enough". ms/query is the batched scoring time.
        On an obvious-cases set (score_scale "obvious", data/obvious/) it also reports how each
        router separates easy from hard prompts: AUC (hard ranked above easy) and the share of each
        class, and of each kind, routed strong at the threshold in use (the head's, or the routing
        config's without a head; baselines at the head's strong-call share).
        Scores (and, with --head, hidden-state features) are cached per (model file hash, template
        hash, context, prompt hash) in --cache, so a re-run costs nothing.
        """,
        options: [DataOptions.data, split, models, templates, heads, noHead, json, plot,
                  DataOptions.cache.explained("score cache"), category, sample, DataOptions.ctx, ModelOptions.threads,
                  DataOptions.parallel, ModelOptions.gpuLayers],
        positionals: .sameAs(DataOptions.data.name))

    let data: [String]
    let split: BenchmarkDataset.Split
    let models: [String]
    let templates: [String]
    let heads: [String]
    let noHead: Bool
    let json: Bool
    let plot: String?
    let cache: String?
    let sample: Int?
    let categories: [String]
    let engine: ScoringEngineSettings
    let gpuLayers: Int

    init(_ parsed: ParsedArguments) throws(CLIError) {
        data = parsed.list(DataOptions.data)
        split = parsed.value(Self.split) == "time" ? .newest
            : parsed.value(Self.split).flatMap(BenchmarkDataset.Split.init(rawValue:)) ?? .test
        models = parsed.list(Self.models).isEmpty ? [ModelCatalog.defaultModelName] : parsed.list(Self.models)
        templates = parsed.list(Self.templates)
        heads = parsed.list(Self.heads)
        noHead = parsed.flag(Self.noHead)
        if !heads.isEmpty && noHead { throw Self.usage("--head and --no-head exclude each other") }
        if !heads.isEmpty && (models.count > 1 || templates.count > 1) {
            throw Self.usage("--head goes with one --model and one --template (those it was trained for)")
        }
        json = parsed.flag(Self.json)
        plot = parsed.value(Self.plot)
        cache = parsed.value(DataOptions.cache)
        sample = parsed.integer(Self.sample)
        categories = parsed.list(Self.category)
        engine = EngineOptions.read(parsed, threads: parsed.integer(ModelOptions.threads) ?? RouterOptions().threads)
        gpuLayers = parsed.integer(ModelOptions.gpuLayers) ?? 0
    }

    func run(io: CommandIO) throws(CLIError) {
        let locator = ResourceLocator()
        let templatePaths = templates.isEmpty ? [locator.defaultTemplatePath] : templates
        var datasets: [BenchmarkDataset]
        do {
            datasets = try BenchmarkDataset.load(paths: data, split: split, sample: sample)
        } catch {
            throw .input(error.description)
        }
        if !categories.isEmpty {
            for (index, path) in data.enumerated() {
                datasets[index].rows.removeAll { !categories.contains($0.category) }
                if datasets[index].rows.isEmpty {
                    throw .input("\(path) has no \(split.rawValue) rows of the categories \(categories.joined(separator: ","))")
                }
            }
        }
        var modelReports = Array(repeating: [RouterReport](), count: datasets.count)
        for model in models {
            var options = RouterOptions()
            options.model = model
            options.gpuLayers = gpuLayers
            let setup = RouterSetup(options: options, locator: locator)
            let modelPath: String
            do {
                modelPath = try setup.modelPath()
            } catch {
                throw .router(error)
            }
            let modelName = ModelCatalog.displayName(model)
            let shared = LazyModel(setup: setup)
            for templatePath in templatePaths {
                let template: ScoringTemplate
                do {
                    template = try ScoringTemplate.load(path: templatePath)
                } catch {
                    throw .router(error)
                }
                do {
                    let cacheDirectory = self.cache ?? locator.home + "/.cache/scores"
                    let identity = try ScoringIdentity(modelPath: modelPath, templatePath: templatePath, memo: FileHashMemo(locator: locator))
                    var headOptions = options
                    headOptions.templatePath = templatePath
                    headOptions.zeroShot = noHead
                    let zeroShotThreshold = try RouterSetup(options: headOptions, locator: locator).config().threshold
                    // The heads to compare (each checked against the model and template), else the
                    // shipped one when it matches, else none.
                    var loaded: [LabelHead] = []
                    for path in heads.isEmpty ? [nil] : heads.map(Optional.some) {
                        headOptions.headPath = path
                        guard var head = try RouterSetup(options: headOptions, locator: locator).head() else { continue }
                        // Two heads of one name (a retrained head keeps its name) are told apart
                        // by their files.
                        if loaded.contains(where: { $0.name == head.name }), let path {
                            head.name += "@" + URL(fileURLWithPath: path).lastPathComponent
                        }
                        loaded.append(head)
                    }
                    let scorers = try loaded.isEmpty
                        ? [zeroShotScorer(name: "\(modelName):\(template.name)", identity: identity, template: template, shared: shared,
                                          cacheDirectory: cacheDirectory, threshold: zeroShotThreshold)]
                        : loaded.map { head throws in
                            var headConfig = headOptions
                            headConfig.headPath = nil
                            return try headScorer(head, name: "\(modelName):\(template.name)", identity: identity, template: template,
                                                  shared: shared, cacheDirectory: cacheDirectory, zeroShotThreshold: zeroShotThreshold,
                                                  headThreshold: RouterSetup(options: headConfig, locator: locator).config(head: head).threshold)
                        }
                    for (index, dataset) in datasets.enumerated() {
                        var seen = Set(modelReports[index].map(\.name))
                        for scorer in scorers {
                            // The zero-shot row once, however many heads share the forward pass.
                            for report in try scorer.reports(for: dataset) where seen.insert(report.name).inserted {
                                modelReports[index].append(report)
                            }
                        }
                    }
                } catch let error as RouterError {
                    throw .router(error)
                } catch {
                    throw .input("evaluation failed: \(error)")
                }
            }
        }
        let reports = zip(datasets, modelReports).map { BenchmarkReport(dataset: $0, split: split, models: $1) }
        for report in reports {
            io.write(json ? report.json.serialized + "\n" : report.table + "\n")
        }
        if let plot {
            do {
                try SVGPlot.render(reports).write(toFile: plot, atomically: true, encoding: .utf8)
            } catch {
                throw .input("cannot write \(plot): \(error.localizedDescription)")
            }
        }
    }

    /// A scorer of the template's zero-shot distributions (cached).
    private func zeroShotScorer(name: String, identity: ScoringIdentity, template: ScoringTemplate, shared: LazyModel,
                                cacheDirectory: String, threshold: Double) throws -> EvaluationScorer {
        var settings = engine
        settings.prefixStore = PrefixStateStore(locator: ResourceLocator(), modelSHA256: identity.modelSHA256)
        let cache = try ScoreCache(directory: cacheDirectory, identity: identity, contextLength: settings.contextLength, batchSize: settings.batchSize)
        return EvaluationScorer(name: name, source: .zeroShot(cache) { [settings] () throws(RouterError) in
            try ScoringEngine(model: shared.model(), template: template, settings: settings)
        }, zeroShotThreshold: threshold)
    }

    /// A scorer of `head` over the features it reads (cached), beside the zero-shot distribution
    /// of the same forward pass.
    private func headScorer(_ head: LabelHead, name: String, identity: ScoringIdentity, template: ScoringTemplate, shared: LazyModel,
                            cacheDirectory: String, zeroShotThreshold: Double, headThreshold: Double) throws -> EvaluationScorer {
        let extractor = try FeatureExtractor(reading: head.features, model: shared, identity: identity, template: template,
                                             settings: engine, cacheDirectory: cacheDirectory, locator: ResourceLocator())
        return EvaluationScorer(name: name, source: .head(head, extractor), zeroShotThreshold: zeroShotThreshold, headThreshold: headThreshold)
    }
}
