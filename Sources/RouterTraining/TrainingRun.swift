import Foundation
import RouterCore
import RouterEvaluation

/// Training's entry point (what `causal-router train` builds from its arguments and runs): reads
/// the train rows of the data files, extracts their features with the scoring model (cached),
/// fits a head (`HeadTraining`: one head, or a mixture of experts), optionally puts the
/// obvious-cases prior on it (or on a fitted `base` head), and writes the head file.
public struct TrainingRun: Sendable {
    /// Routing-data JSONL files; their train rows are fitted.
    public var data: [String]
    /// At most this many train rows per file (nil: all), one per file.
    public var samples: [Int?]
    /// Which rows of `data` are fitted: those marked `train`, or the oldest 80% by `time`
    /// (`.oldest`: recorded traffic, checked later on the newest 20%).
    public var split: BenchmarkDataset.Split = .train
    /// The head file; nil: models/heads/<model>-<template>.json in the project.
    public var out: String?
    /// The head's name in verdicts; nil: the out file's stem.
    public var headName: String?
    /// The recipe: target, features, balance, L2 grid, epochs.
    public var training = HeadTraining()
    /// One expert per data file and a gate (`HeadTraining.runExperts`).
    public var experts = false
    /// `TrainingAugmentation` file: manipulated copies of every train row.
    public var augmentationFile: String?
    public var augmentCopies = 1
    /// The obvious-cases set: puts the prior on the head.
    public var obvious: String?
    /// With `obvious`: more files whose train rows are neither obviously easy nor hard.
    public var neither: [String] = []
    /// With `obvious`: the fitted head the prior goes on (nothing is fitted on `data` then).
    public var base: String?
    /// A fitted head to distil (`train --teacher`): the new head is fitted to this head's win
    /// rates on `teacherModel` (`DistillationFit`) rather than to the rows' grades alone.
    public var teacher: String?
    /// The teacher head's model (catalog name or path); nil: the default model.
    public var teacherModel: String?
    /// The teacher head's template file; nil: the student's (`router.templatePath`).
    public var teacherTemplate: String?
    /// `teacherModel`, or the default model.
    private var teacherModelOrDefault: String { teacherModel ?? RouterOptions().model }
    /// With `teacher`: the share of each graded row's target taken from the teacher (the rest
    /// from its grade); ungraded rows take the teacher's alone.
    public var teacherWeight = 1.0
    /// With `teacher`: more files whose train rows only the student's fit sees (scored by the
    /// teacher, each file weighing as a --data file); the prior and the threshold ignore them.
    public var teacherPrompts: [String] = []
    /// The scoring model and template (model, template, threads, GPU layers).
    public var router = RouterOptions()
    /// The feature cache folder; nil: .cache/scores in the project.
    public var cache: String?
    /// The batched engine's settings; the feature switches are set from the recipe.
    public var engine: ScoringEngineSettings

    public init(data: [String], samples: [Int?]? = nil, engine: ScoringEngineSettings) {
        self.data = data
        self.samples = samples ?? data.map { _ in nil }
        self.engine = engine
    }

    /// Why a run failed: its input (data, files named) or the model and template.
    public enum Failure: Error, Equatable {
        case input(String)
        case router(RouterError)
    }

    /// What a finished run reports.
    public struct Report: Sendable {
        public var head: LabelHead
        public var path: String
        /// Each candidate's validation figures, one line each, with a header.
        public var table: String
        /// One line: the file written, its rows, features, threshold and fitting time.
        public var summary: String
    }

    /// Runs the training; `progress` gets one line at a time (feature extraction's rate).
    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) throws(Failure) -> Report {
        let augmentation: TrainingAugmentation?
        if let augmentationFile {
            do {
                augmentation = try TrainingAugmentation.load(path: augmentationFile)
            } catch {
                throw .input("--augment: \(error.description)")
            }
        } else {
            augmentation = nil
        }
        var training = self.training
        var baseHead: LabelHead?
        if let base {
            do {
                let head = try LabelHead.load(path: base)
                baseHead = head
                training.features = head.features
                training.target = HeadTarget(rawValue: head.target) ?? training.target
            } catch {
                throw .input("--base: \(error.description)")
            }
        }
        let locator = ResourceLocator()
        let setup = RouterSetup(options: router, locator: locator)
        var datasets: [BenchmarkDataset]
        do {
            datasets = try BenchmarkDataset.load(paths: data, split: split, samples: samples)
        } catch {
            throw .input(error.description)
        }
        if let augmentation {
            datasets = datasets.map { augmentation.augmented($0, copies: augmentCopies) }
        }
        // The teacher's extra prompts go after the --data files; `trafficCount` files are traffic
        // that teaches the prior "neither" and sets the threshold.
        let trafficCount = datasets.count
        if !teacherPrompts.isEmpty {
            guard teacher != nil else { throw .input("teacher prompts need a teacher head") }
            do {
                datasets += try BenchmarkDataset.load(paths: teacherPrompts, split: split, samples: teacherPrompts.map { _ in nil })
            } catch {
                throw .input(error.description)
            }
        }
        // The prior's rows: the obvious-cases set, then the `neither` files (train rows).
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

        // The teacher first: a teacher head that does not fit its model is refused before any forward pass.
        var distillation: DistillationTargets?
        if let teacher {
            distillation = try teacherTargets(teacher, datasets: datasets, cacheDirectory: cacheDirectory,
                                              locator: locator, progress: progress)
        }
        var entries = try extract(datasets + priorDatasets, reading: training.features, setup: setup, identity: identity,
                                  template: template, cacheDirectory: cacheDirectory, locator: locator, progress: progress)

        let start = ContinuousClock.now
        var description: [String: String] = [
            "data": data.map { "\(URL(fileURLWithPath: $0).lastPathComponent):\(split == .oldest ? "oldest 80% by time" : split.rawValue)" }
                .joined(separator: ","),
            "sample": samples.map { $0.map(String.init) ?? "all" }.joined(separator: ","),
            "model": modelName,
            "template": template.name,
            "target": training.target.rawValue,
            "features": training.features.spec,
            "ctx": String(engine.contextLength),
            "trained_at": ISO8601DateFormatter().string(from: Date()),
        ]
        if let teacher {
            description["teacher"] = URL(fileURLWithPath: teacher).lastPathComponent
            description["teacher_model"] = ModelCatalog.displayName(teacherModelOrDefault)
            if let teacherTemplate { description["teacher_template"] = URL(fileURLWithPath: teacherTemplate).lastPathComponent }
            description["teacher_weight"] = String(teacherWeight)
            if !teacherPrompts.isEmpty {
                description["teacher_prompts"] = teacherPrompts.map { URL(fileURLWithPath: $0).lastPathComponent + ":" + split.rawValue }
                    .joined(separator: ",")
            }
        }
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
                : training.run(name: name, identity: identity, datasets: datasets, entries: entries, description: description,
                               distillation: distillation)
        }
        if let obvious {
            var prior = description
            prior["obvious"] = URL(fileURLWithPath: obvious).lastPathComponent + ":train"
            if !neither.isEmpty { prior["neither"] = neither.map { URL(fileURLWithPath: $0).lastPathComponent + ":train" }.joined(separator: ",") }
            let inner = outcome.head
            let withPrior = training.withObviousPrior(inner, name: name, obvious: priorDatasets[0], obviousEntries: priorEntries[0],
                                                      neither: Array(entries[..<trafficCount]) + priorEntries.dropFirst(),
                                                      thresholdEntries: entries[..<trafficCount].flatMap { $0 },
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
        do {
            try outcome.head.write(to: outPath)
        } catch {
            throw .router(error)
        }
        let summary = "wrote \(outPath): head '\(name)', \(datasets.map(\.rows.count).reduce(0, +)) train rows, "
            + "\(outcome.head.featureSize) features, threshold \(String(format: "%.4f", outcome.head.threshold)), "
            + "fitted in \(String(format: "%.1f", seconds)) s"
        return Report(head: outcome.head, path: outPath, table: table, summary: summary)
    }

    /// What `features` reads of every row of `datasets` with one model (cached; only prompts
    /// never seen before reach the engine).
    private func extract(_ datasets: [BenchmarkDataset], reading features: HeadFeatures, setup: RouterSetup, identity: ScoringIdentity,
                         template: ScoringTemplate, cacheDirectory: String, locator: ResourceLocator,
                         progress: @escaping @Sendable (String) -> Void) throws(Failure) -> [[FeatureCache.Entry]] {
        let model = ModelCatalog.displayName(setup.options.model)
        var entries: [[FeatureCache.Entry]] = []
        do {
            let extractor = try FeatureExtractor(reading: features, model: LazyModel(setup: setup), identity: identity, template: template,
                                                 settings: engine, cacheDirectory: cacheDirectory, locator: locator)
            for dataset in datasets {
                let start = ContinuousClock.now
                var lastReport = start
                entries.append(try extractor.entries(for: dataset.rows.map(\.prompt)) { done, missing in
                    let now = ContinuousClock.now
                    guard done == missing || now - lastReport >= .seconds(10) else { return }
                    lastReport = now
                    let rate = Double(done) / max(0.001, (now - start).milliseconds / 1000)
                    progress("train: \(dataset.name): \(model) features \(done)/\(missing) (\(String(format: "%.1f", rate)) rows/s)")
                })
            }
        } catch let error as RouterError {
            throw .router(error)
        } catch {
            throw .input("feature extraction failed: \(error)")
        }
        return entries
    }

    /// The teacher head's win rate on every row of `datasets`, each scored by the teacher's
    /// own model with the teacher's features; refused before any forward pass when the head
    /// was not fitted for that model and template.
    private func teacherTargets(_ path: String, datasets: [BenchmarkDataset], cacheDirectory: String,
                                locator: ResourceLocator, progress: @escaping @Sendable (String) -> Void) throws(Failure) -> DistillationTargets {
        let head: LabelHead
        do {
            head = try LabelHead.load(path: path)
        } catch {
            throw .input("--teacher: \(error.description)")
        }
        var options = router
        options.model = teacherModelOrDefault
        options.templatePath = teacherTemplate ?? options.templatePath
        let setup = RouterSetup(options: options, locator: locator)
        let identity: ScoringIdentity, template: ScoringTemplate
        do {
            identity = try setup.identity()
            template = try setup.template()
            try head.check(against: identity, path: path)
        } catch {
            throw .router(error)
        }
        let entries = try extract(datasets, reading: head.features, setup: setup, identity: identity, template: template,
                                  cacheDirectory: cacheDirectory, locator: locator, progress: progress)
        // A student that gets its own obvious-cases prior learns the teacher's win rates before
        // the teacher's prior (the same prior twice would push obvious queries past the band).
        let winRates = entries.flatMap { $0 }.map { entry in
            let features = entry.vector(head.features)!
            return (obvious == nil ? head.distribution(features: features) : head.learnedDistribution(features: features)).strongWinRate
        }
        return DistillationTargets(teacherWinRates: winRates, teacherWeight: teacherWeight, teacherThreshold: head.threshold)
    }
}
