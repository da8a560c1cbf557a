import Foundation
import RouterCore
import RouterEvaluation

/// `causal-router train`: fits a learned label head on the train rows of labeled routing data.
struct TrainCommand: CLICommand {
    static let name = "train"
    static let summary = "train a learned label head on labeled routing data (train split)"
    static let help = """
    USAGE: causal-router train --data FILE... [options]

    Reads the `train` rows of each data file (the JSONL schema of shared/data/README.md,
    contaminated rows dropped), runs the scoring model once per prompt to get the final hidden
    state at the label position and the five zero-shot label logits (cached like eval's scores,
    so a second run is seconds), and fits a 5-way head on them: multinomial logistic regression
    with feature standardisation, L2, class balancing and early stopping on a validation slice
    (every 10th train row). Without --l2 it tries 0.001, 0.01, 0.1, 1 and 10 and keeps the lowest
    validation loss. The head file records the model and template SHA-256, the feature size,
    the data and the validation figures, and a threshold (the median strong-model win rate
    over the training rows). Use it with `route/serve/label/eval --head FILE`.

    OPTIONS:
          --data FILE         routing-data JSONL (repeat or comma-separate for several)
          --out FILE          the head file (default: models/heads/<model>-<template>.json)
          --name NAME         the head's name in verdicts (default: the --out file's stem)
          --target T          label (the 1-5 label, default) | weak_ok (label >= 4 or not) |
                              strong_better (label <= 2 or not: the strong model clearly wins)
          --features LIST     what the head reads, comma-separated (default: final,logits):
                              final = final hidden state at the label position, logits = the
                              five zero-shot label logits, bN = block N's outputs averaged over
                              the query's tokens (0-based; middle blocks transfer better),
                              stats = counts of the query's text (length, lines, digits, code),
                              query-end = read final and logits at the query's last token and
                              decode nothing after it: the template's suffix (~10 tokens) is
                              never decoded, in training or when the head routes
          --experts           a mixture of experts: one head per data file (2 to 5 files), each
                              fitted on that file alone, and a gate that weighs them by how much
                              the query is like each file's rows (the shipped default)
          --obvious FILE      put the obvious-cases prior on the head (data/obvious/obvious_cases.jsonl,
                              its train rows): a gate over the same features says whether a
                              query is obviously easy (a greeting, a conversion: weak), obviously
                              hard (a proof, a systems design: strong) or neither (then the head
                              fitted on --data decides). The --data rows and the --neither rows
                              teach it "neither"; the threshold is the median win rate over the
                              --data rows (docs/heads.md, round 9; the shipped default)
          --neither FILE      with --obvious: more prompts that are neither obviously easy nor
                              obviously hard (their train rows; data/obvious/everyday.jsonl)
          --base HEAD         with --obvious: put the prior on this fitted head instead of
                              fitting one on --data (its model, template and features are used;
                              --data then only teaches the prior and sets the threshold)
          --balance B         benchmarks (default: each data file weighs the same in the loss,
                              whatever its row count) | rows (every row weighs the same)
          --l2 X              L2 strength (default: the best of 0.001, 0.01, 0.1, 1, 10 on validation)
          --epochs N          most full-batch epochs (default: 300; early stopping ends sooner)
          --sample N|LIST     at most N train rows per file, or one size per --data file in order
                              (e.g. all,all,300: `all` keeps a file whole) (those with the smallest SHA-256 of
                              their id; the same on every run)
          --augment FILE      add manipulated copies of every train row, labeled like the original:
                              phrases claiming the question is hard or easy, typed template markup,
                              the query repeated (data/augmentation/manipulation.json), so users
                              cannot push verdicts with them (docs/reliability.md)
          --augment-copies K  copies per row with --augment (default: 1)
      -m, --model NAME|PATH   the scoring model (default: \(ModelCatalog.defaultModelName))
          --template PATH     the template (default: prompts/\(ResourceLocator.defaultTemplateFile))
          --cache DIR         feature cache (default: .cache/scores in the project)
      -c, --ctx N             tokens per prompt, template included (default: \(ScoringEngineSettings.defaultContextLength))
      -t, --threads N         CPU threads (default: all cores)
      -np, --parallel N       queries decoded together (default: 16)
      -h, --help              show this help

    EXIT STATUS: 0 head written, 1 data/model/training error, 2 bad command line.
    """

    static let declared: [ParsedArguments.Option] = [
        .init(name: "data"), .init(name: "out"), .init(name: "name"), .init(name: "target"), .init(name: "features"), .init(name: "balance"), .init(name: "experts", takesValue: false), .init(name: "l2"),
        .init(name: "epochs"), .init(name: "sample"), .init(name: "augment"), .init(name: "augment-copies"),
        .init(name: "obvious"), .init(name: "neither"), .init(name: "base"), .init(name: "model", aliases: ["-m"]), .init(name: "template"),
        .init(name: "cache"), .init(name: "ctx", aliases: ["-c"]), .init(name: "threads", aliases: ["-t"]),
        .init(name: "parallel", aliases: ["-np"]), .init(name: "gpu-layers", aliases: ["-ngl"]),
        .init(name: "help", aliases: ["-h"], takesValue: false),
    ]

    let data: [String]
    let out: String?
    let headName: String?
    let training: HeadTraining
    let samples: [Int?]
    let experts: Bool
    let augmentation: TrainingAugmentation?
    let augmentationFile: String?
    let augmentCopies: Int
    let obvious: String?
    let neither: [String]
    let base: String?
    let baseHead: LabelHead?
    let router: RouterOptions
    let cache: String?
    let engine: ScoringEngineSettings
    let wantsHelp: Bool

    init(arguments: [String]) throws(CLIError) {
        let parsed = try ParsedArguments(arguments, options: Self.declared, command: Self.name)
        wantsHelp = parsed.flag("help")
        // One path each: `list` already splits `--data A,B`; positional files are split the same way.
        data = parsed.list("data") + parsed.positionals.flatMap { $0.split(separator: ",").map(String.init) }
        guard wantsHelp || !data.isEmpty else { throw .usage("train needs --data FILE", command: Self.name) }
        out = parsed.value("out")
        headName = parsed.value("name")
        if let headName, headName.isEmpty || headName.contains(where: { $0.isNewline }) {
            throw .usage("--name must be a non-empty single line", command: Self.name)
        }
        var training = HeadTraining()
        if let target = parsed.value("target") {
            guard let known = HeadTarget(rawValue: target) else {
                throw .usage("--target must be label, weak_ok or strong_better, got '\(target)'", command: Self.name)
            }
            training.target = known
        }
        if let balance = parsed.value("balance") {
            guard balance == "benchmarks" || balance == "rows" else {
                throw .usage("--balance must be benchmarks or rows, got '\(balance)'", command: Self.name)
            }
            training.balanceBenchmarks = balance == "benchmarks"
        }
        if let spec = parsed.value("features") {
            do {
                training.features = try HeadFeatures(spec: spec)
            } catch {
                throw .usage(error.description, command: Self.name)
            }
        }
        if let l2 = try parsed.number("l2", in: 0...1_000_000, command: Self.name) { training.l2Grid = [Float(l2)] }
        training.epochs = try parsed.integer("epochs", in: 1...100_000, command: Self.name) ?? training.epochs
        experts = parsed.flag("experts")
        if experts && !wantsHelp && !(2...5).contains(data.count) {
            throw .usage("--experts needs 2 to 5 data files (one expert each)", command: Self.name)
        }
        if let spec = parsed.value("sample") {
            let items = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let sizes = items.map { $0 == "all" ? Int?.none : Int($0) }
            let valid = zip(items, sizes).allSatisfy { $0.0 == "all" || ($0.1 ?? 0) >= 1 }
            guard valid, items.count == 1 || items.count == data.count else {
                throw .usage("--sample takes N (every file) or one size or `all` per data file, got '\(spec)'", command: Self.name)
            }
            samples = items.count == 1 ? data.map { _ in sizes[0] } : sizes
        } else {
            samples = data.map { _ in nil }
        }
        augmentationFile = parsed.value("augment")
        if let path = augmentationFile, !wantsHelp {
            do {
                augmentation = try TrainingAugmentation.load(path: path)
            } catch {
                throw .input("--augment: \(error.description)")
            }
        } else {
            augmentation = nil
        }
        augmentCopies = try parsed.integer("augment-copies", in: 1...50, command: Self.name) ?? 1
        if parsed.value("augment-copies") != nil && augmentationFile == nil {
            throw .usage("--augment-copies needs --augment FILE", command: Self.name)
        }
        obvious = parsed.value("obvious")
        neither = parsed.list("neither")
        base = parsed.value("base")
        if obvious == nil && (base != nil || !neither.isEmpty) {
            throw .usage("--base and --neither go with --obvious FILE", command: Self.name)
        }
        if base != nil && (experts || augmentationFile != nil || parsed.value("features") != nil || parsed.value("target") != nil) {
            throw .usage("--base reuses a fitted head: drop --experts, --augment, --features and --target", command: Self.name)
        }
        if let base, !wantsHelp {
            do {
                let head = try LabelHead.load(path: base)
                baseHead = head
                training.features = head.features
                training.target = HeadTarget(rawValue: head.target) ?? training.target
            } catch {
                throw .input("--base: \(error.description)")
            }
        } else {
            baseHead = nil
        }
        self.training = training
        var router = RouterOptions()
        if let model = parsed.value("model") { router.model = model }
        router.templatePath = parsed.value("template")
        router.gpuLayers = try parsed.integer("gpu-layers", in: -1...100_000, command: Self.name) ?? 0
        router.threads = try parsed.integer("threads", in: 1...1024, command: Self.name) ?? router.threads
        self.router = router
        cache = parsed.value("cache")
        var engine = try EngineOptions.read(parsed, command: Self.name, threads: router.threads, defaultParallel: 16)
        engine.hiddenState = true
        engine.pooledBlocks = training.features.pooledBlocks
        engine.endsAtQuery = training.features.endsAtQuery
        self.engine = engine
    }

    func run(io: CommandIO) throws(CLIError) {
        let locator = ResourceLocator()
        let setup = RouterSetup(options: router, locator: locator)
        var datasets: [BenchmarkDataset]
        do {
            datasets = try BenchmarkDataset.load(paths: data, split: .train, samples: samples)
        } catch {
            throw .input(error.description)
        }
        if let augmentation {
            datasets = datasets.map { augmentation.augmented($0, copies: augmentCopies) }
        }
        // The prior's rows: the obvious-cases set, then the --neither files (train rows).
        var priorDatasets: [BenchmarkDataset] = []
        if let obvious {
            do {
                priorDatasets = try BenchmarkDataset.load(paths: [obvious] + neither, split: .train, samples: ([obvious] + neither).map { _ in nil })
            } catch {
                throw .input(error.description)
            }
            guard priorDatasets[0].isObviousCases, Set(priorDatasets[0].rows.map(\.strongNeeded)).count == 2 else {
                throw .input("--obvious \(obvious): not an obvious-cases set (score_scale \"\(BenchmarkRow.obviousScale)\" on every row, easy and hard train rows)")
            }
        }
        let cacheDirectory = cache ?? locator.home + "/.cache/scores"
        let modelName = ModelCatalog.displayName(router.model)
        let template: ScoringTemplate
        let identity: ScoringIdentity
        do {
            template = try setup.template()
            identity = try setup.identity()
            // Before any forward pass: a base head fitted for another model or template is refused.
            try baseHead?.check(against: identity, path: base ?? "")
        } catch {
            throw .router(error)
        }
        let outPath = out ?? locator.home + "/models/heads/\(modelName)-\(template.name).json"
        let name = headName ?? URL(fileURLWithPath: outPath).deletingPathExtension().lastPathComponent

        let shared = LazyModel(setup: setup)
        var settings = engine
        settings.prefixStore = PrefixStateStore(locator: locator, modelSHA256: identity.modelSHA256)
        var entries: [[FeatureCache.Entry]] = []
        do {
            let extractor = FeatureExtractor(
                cache: try FeatureCache(directory: cacheDirectory, identity: identity, contextLength: settings.contextLength, batchSize: settings.batchSize,
                                        pooledBlocks: settings.pooledBlocks, endsAtQuery: settings.endsAtQuery)
            ) { () throws(RouterError) in
                try ScoringEngine(model: shared.model(), template: template, settings: settings)
            }
            for dataset in datasets + priorDatasets {
                let start = ContinuousClock.now
                var lastReport = start
                entries.append(try extractor.entries(for: dataset.rows.map(\.prompt)) { done, missing in
                    let now = ContinuousClock.now
                    guard done == missing || now - lastReport >= .seconds(10) else { return }
                    lastReport = now
                    let rate = Double(done) / max(0.001, (now - start).milliseconds / 1000)
                    io.writeError("train: \(dataset.name): features \(done)/\(missing) (\(String(format: "%.1f", rate)) rows/s)\n")
                })
            }
        } catch let error as RouterError {
            throw .router(error)
        } catch {
            throw .input("feature extraction failed: \(error)")
        }

        let start = ContinuousClock.now
        var description: [String: String] = [
            "data": data.map { "\(URL(fileURLWithPath: $0).lastPathComponent):train" }.joined(separator: ","),
            "sample": samples.map { $0.map(String.init) ?? "all" }.joined(separator: ","),
            "model": modelName,
            "template": template.name,
            "target": training.target.rawValue,
            "features": training.features.spec,
            "ctx": String(settings.contextLength),
            "trained_at": ISO8601DateFormatter().string(from: Date()),
        ]
        if let augmentationFile {
            description["augment"] = "\(URL(fileURLWithPath: augmentationFile).lastPathComponent) x\(augmentCopies)"
        }
        let priorEntries = Array(entries[datasets.count...])
        entries = Array(entries[..<datasets.count])
        var outcome: HeadTraining.Outcome
        if let baseHead {
            outcome = HeadTraining.Outcome(head: baseHead, candidates: [], chosen: 0)
        } else {
            outcome = experts
                ? training.runExperts(name: name, identity: identity, datasets: datasets, entries: entries, description: description)
                : training.run(name: name, identity: identity, datasets: datasets, entries: entries, description: description)
        }
        if let obvious {
            var prior = description
            prior["obvious"] = URL(fileURLWithPath: obvious).lastPathComponent + ":train"
            if !neither.isEmpty { prior["neither"] = neither.map { URL(fileURLWithPath: $0).lastPathComponent + ":train" }.joined(separator: ",") }
            let inner = outcome.head
            let withPrior = training.withObviousPrior(inner, name: name, obvious: priorDatasets[0], obviousEntries: priorEntries[0],
                                                      neither: entries + priorEntries.dropFirst(), thresholdEntries: entries.flatMap { $0 },
                                                      description: prior)
            outcome.head = withPrior.head
            outcome.candidates += withPrior.candidates
        }
        let seconds = (ContinuousClock.now - start).milliseconds / 1000
        var table = (experts || obvious != nil ? "expert        " : "") + "l2        val loss  val acc  best epoch  val APGR\n"
        for (index, c) in outcome.candidates.enumerated() {
            if experts || obvious != nil {
                // Rows: each expert's (or the plain head's L2 candidates), then the prior's gate.
                let prior = obvious != nil && index == outcome.candidates.count - 1
                let label = prior ? "obvious prior" : experts ? datasets[index].name : "head"
                table += label.padding(toLength: 14, withPad: " ", startingAt: 0)
            }
            table += String(format: "%-8g  %8.4f  %7.3f  %10d  ", c.l2, c.validationLoss, c.validationAccuracy, c.bestEpoch)
            table += c.validationAPGR.map { "\($0.benchmark) \(String(format: "%.3f", $0.apgr))" }.joined(separator: ", ")
            table += !experts && baseHead == nil && index == outcome.chosen ? "  <- chosen\n" : "\n"
        }
        io.write(table)
        do {
            try outcome.head.write(to: outPath)
        } catch {
            throw .router(error)
        }
        io.write("wrote \(outPath): head '\(name)', \(datasets.map(\.rows.count).reduce(0, +)) train rows, "
            + "\(outcome.head.featureSize) features, threshold \(String(format: "%.4f", outcome.head.threshold)), "
            + "fitted in \(String(format: "%.1f", seconds)) s\n")
    }
}
