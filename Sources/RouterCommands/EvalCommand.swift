import Foundation
import RouterCore
import RouterEvaluation

/// `causal-router eval`: RouteLLM's metrics for models and templates on labeled routing data.
struct EvalCommand: CLICommand {
    static let split = CommandOption.choice("split", "S", BenchmarkDataset.Split.allCases.map(\.rawValue), default: .value("test"),
                                            help: "train | test | all")
    static let models = CommandOption.list(
        "model", alias: "-m", "NAME|PATH", default: .described(ModelCatalog.defaultModelName), help: "a scoring model (repeatable)")
    static let templates = CommandOption.list(
        "template", "PATH", default: .described("prompts/\(ResourceLocator.defaultTemplateFile)"), help: "a template file (repeatable)")
    static let head = ModelOptions.head.explained(
        "evaluate this learned head (`causal-router train`) on the same forward pass: a row \"<model>:<template>+<head>\" "
            + "beside the zero-shot one (one --model and --template, those it was trained for). Default: each (model, "
            + "template)'s shipped head, when one matches (models/heads/<model>-<template>.json)")
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
        options: [DataOptions.data, split, models, templates, head, noHead, json, plot,
                  DataOptions.cache.explained("score cache"), category, sample, DataOptions.ctx, ModelOptions.threads,
                  DataOptions.parallel, ModelOptions.gpuLayers],
        positionals: .sameAs(DataOptions.data.name))

    let data: [String]
    let split: BenchmarkDataset.Split
    let models: [String]
    let templates: [String]
    let head: String?
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
        split = parsed.value(Self.split).flatMap(BenchmarkDataset.Split.init(rawValue:)) ?? .test
        models = parsed.list(Self.models).isEmpty ? [ModelCatalog.defaultModelName] : parsed.list(Self.models)
        templates = parsed.list(Self.templates)
        head = parsed.value(Self.head)
        noHead = parsed.flag(Self.noHead)
        if head != nil && noHead { throw Self.usage("--head and --no-head exclude each other") }
        if head != nil && (models.count > 1 || templates.count > 1) {
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
                var settings = engine
                do {
                    let cacheDirectory = self.cache ?? locator.home + "/.cache/scores"
                    let scorer: EvaluationScorer
                    let identity = try ScoringIdentity(modelPath: modelPath, templatePath: templatePath, memo: FileHashMemo(locator: locator))
                    settings.prefixStore = PrefixStateStore(locator: locator, modelSHA256: identity.modelSHA256)
                    var headOptions = options
                    headOptions.templatePath = templatePath
                    headOptions.headPath = head
                    headOptions.zeroShot = noHead
                    let headSetup = RouterSetup(options: headOptions, locator: locator)
                    let zeroShotThreshold = try headSetup.config().threshold
                    if let loaded = try headSetup.head() {
                        settings.hiddenState = true
                        settings.pooledBlocks = loaded.features.pooledBlocks
                        settings.endsAtQuery = loaded.features.endsAtQuery
                        let extractor = FeatureExtractor(
                            cache: try FeatureCache(directory: cacheDirectory, identity: identity, contextLength: settings.contextLength, batchSize: settings.batchSize,
                                                    pooledBlocks: loaded.features.pooledBlocks, endsAtQuery: settings.endsAtQuery)
                        ) { () throws(RouterError) in
                            try ScoringEngine(model: shared.model(), template: template, settings: settings)
                        }
                        scorer = EvaluationScorer(name: "\(modelName):\(template.name)", source: .head(loaded, extractor),
                                                  zeroShotThreshold: zeroShotThreshold, headThreshold: try headSetup.config(head: loaded).threshold)
                    } else {
                        let cache = try ScoreCache(directory: cacheDirectory, identity: identity, contextLength: settings.contextLength, batchSize: settings.batchSize)
                        scorer = EvaluationScorer(name: "\(modelName):\(template.name)", source: .zeroShot(cache) { () throws(RouterError) in
                            try ScoringEngine(model: shared.model(), template: template, settings: settings)
                        }, zeroShotThreshold: zeroShotThreshold)
                    }
                    for (index, dataset) in datasets.enumerated() {
                        modelReports[index].append(contentsOf: try scorer.reports(for: dataset))
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
}
