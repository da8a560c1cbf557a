import Foundation
import RouterCore
import RouterEvaluation

/// `causal-router eval`: RouteLLM's metrics for models and templates on labeled routing data.
struct EvalCommand: CLICommand {
    static let name = "eval"
    static let summary = "evaluate models and templates on labeled routing data (APGR, CPT, ...)"
    static let help = """
    USAGE: causal-router eval --data FILE... [options]

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

    OPTIONS:
          --data FILE         a routing-data JSONL file (repeat or comma-separate for several)
          --split S           train | test | all (default: test)
      -m, --model NAME|PATH   a scoring model (repeatable; default: \(ModelCatalog.defaultModelName))
          --template PATH     a template file (repeatable; default: prompts/\(ResourceLocator.defaultTemplateFile))
          --head FILE         evaluate this learned head (`causal-router train`) on the same
                              forward pass: a row "<model>:<template>+<head>" beside the
                              zero-shot one (one --model and --template, those it was trained for).
                              Default: each (model, template)'s shipped head, when one matches
                              (models/heads/<model>-<template>.json)
          --no-head           zero-shot rows only
          --json              print one JSON object per benchmark instead of the table:
                              {"benchmark", "n", "routers": {"<model>:<template>"|"random"|"oracle": {...}}}
          --plot FILE.svg     write RouteLLM-style curves (score vs strong-call share)
          --cache DIR         score cache (default: .cache/scores in the project)
          --category LIST     only rows of these categories (the rows' `category`, comma-separated:
                              e.g. the obvious-cases set's held-out kinds)
          --sample N          evaluate a fixed sample of at most N rows per benchmark (those
                              with the smallest SHA-256 of their id; the same on every run)
      -c, --ctx N             tokens per prompt, template included (default: \(ScoringEngineSettings.defaultContextLength))
      -t, --threads N         CPU threads (default: all cores)
      -np, --parallel N       queries decoded together (default: 16)
      -h, --help              show this help
    """

    static let declared: [ParsedArguments.Option] = [
        .init(name: "data"), .init(name: "split"), .init(name: "model", aliases: ["-m"]), .init(name: "template"), .init(name: "head"),
        .init(name: "no-head", takesValue: false),
        .init(name: "json", takesValue: false), .init(name: "plot"), .init(name: "cache"), .init(name: "sample"), .init(name: "category"), .init(name: "ctx", aliases: ["-c"]),
        .init(name: "threads", aliases: ["-t"]), .init(name: "parallel", aliases: ["-np"]), .init(name: "gpu-layers", aliases: ["-ngl"]),
        .init(name: "help", aliases: ["-h"], takesValue: false),
    ]

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
    let wantsHelp: Bool

    init(arguments: [String]) throws(CLIError) {
        let parsed = try ParsedArguments(arguments, options: Self.declared, command: Self.name)
        wantsHelp = parsed.flag("help")
        data = parsed.list("data") + parsed.positionals
        guard wantsHelp || !data.isEmpty else { throw .usage("eval needs --data FILE", command: Self.name) }
        let splitName = parsed.value("split") ?? "test"
        guard let split = BenchmarkDataset.Split(rawValue: splitName) else {
            throw .usage("--split must be train, test or all, got '\(splitName)'", command: Self.name)
        }
        self.split = split
        models = parsed.list("model").isEmpty ? [ModelCatalog.defaultModelName] : parsed.list("model")
        templates = parsed.list("template")
        head = parsed.value("head")
        noHead = parsed.flag("no-head")
        if head != nil && noHead { throw .usage("--head and --no-head exclude each other", command: Self.name) }
        if head != nil && (models.count > 1 || templates.count > 1) {
            throw .usage("--head goes with one --model and one --template (those it was trained for)", command: Self.name)
        }
        json = parsed.flag("json")
        plot = parsed.value("plot")
        cache = parsed.value("cache")
        sample = try parsed.integer("sample", in: 1...10_000_000, command: Self.name)
        categories = parsed.list("category")
        engine = try EngineOptions.read(parsed, command: Self.name,
                                        threads: try parsed.integer("threads", in: 1...1024, command: Self.name) ?? RouterOptions().threads,
                                        defaultParallel: 16)
        gpuLayers = try parsed.integer("gpu-layers", in: -1...100_000, command: Self.name) ?? 0
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
