import Foundation
import RouterCore
import RouterTraining

/// `causal-router train`: fits a learned label head on the train rows of labeled routing data.
/// It only reads its arguments; `TrainingRun` (RouterTraining) does the work.
struct TrainCommand: CLICommand {
    static let out = CommandOption.text(
        "out", "FILE", default: .described("models/heads/<model>-<template>.json"), help: "the head file")
    static let headName = CommandOption.text("name", "NAME", default: .described("the --out file's stem"), help: "the head's name in verdicts")
    static let target = CommandOption.choice(
        "target", "T", HeadTarget.allCases.map(\.rawValue), default: .value(HeadTarget.label.rawValue),
        help: "label (the 1-5 label) | weak_ok (label >= 4 or not) | strong_better (label <= 2 or not: the strong model clearly wins)")
    static let features = CommandOption.text(
        "features", "LIST", default: .value(HeadFeatures.finalStateAndLogits.spec),
        help: """
        what the head reads, comma-separated: final = final hidden state at the label position, \
        logits = the five zero-shot label logits, bN = block N's outputs averaged over the query's \
        tokens (0-based; middle blocks transfer better), stats = counts of the query's text \
        (length, lines, digits, code), query-end = read final and logits at the query's last token \
        and decode nothing after it: the template's suffix (~10 tokens) is never decoded, in \
        training or when the head routes
        """)
    static let experts = CommandOption.flag(
        "experts",
        help: """
        a mixture of experts: one head per data file (2 to 5 files), each fitted on that file \
        alone, and a gate that weighs them by how much the query is like each file's rows (the \
        shipped default)
        """)
    static let obvious = CommandOption.text(
        "obvious", "FILE",
        help: """
        put the obvious-cases prior on the head (data/obvious/obvious_cases.jsonl, its train \
        rows): a gate over the same features says whether a query is obviously easy (a greeting, a \
        conversion: weak), obviously hard (a proof, a systems design: strong) or neither (then the \
        head fitted on --data decides). The --data rows and the --neither rows teach it \
        \"neither\"; the threshold is the median win rate over the --data rows (docs/heads.md, \
        round 9; the shipped default)
        """)
    static let neither = CommandOption.list(
        "neither", "FILE",
        help: """
        with --obvious: more prompts that are neither obviously easy nor obviously hard (their \
        train rows; data/obvious/everyday.jsonl)
        """)
    static let gateHidden = CommandOption.integer(
        "gate-hidden", "N", in: 0...4096, default: .value("0"),
        help: """
        with --obvious: N rectified units between the features and the prior's gate's logits \
        (0: a linear gate, as shipped; docs/heads.md, round 12, compares the two)
        """)
    static let gateMembers = CommandOption.integer(
        "gate-members", "K", in: 1...64, default: .value("1"),
        help: "with --gate-hidden: fit K networks from different (fixed) random starts and average their logits")
    static let base = CommandOption.text(
        "base", "HEAD",
        help: """
        with --obvious: put the prior on this fitted head instead of fitting one on --data (its \
        model, template and features are used; --data then only teaches the prior and sets the \
        threshold)
        """)
    static let teacher = CommandOption.text(
        "teacher", "HEAD",
        help: """
        distil this fitted head (e.g. the shipped default's) into the new one: every train row of \
        --data is scored by the teacher head on --teacher-model, and the new head, on --model and \
        --features (a cut model of a few blocks: `truncate`), is fitted to the teacher's strong-model \
        win rates (a ridge regression of their log-odds, or a network: --student-hidden) mixed with the rows' grades; rows with score_scale \"ungraded\" \
        need no grade. Its threshold routes the teacher's strong share of the train rows. With \
        --obvious the student learns the teacher's win rates before the teacher's prior and gets a \
        prior of its own (docs/frontier.md)
        """)
    static let teacherPrompts = CommandOption.list(
        "teacher-prompts", "FILE",
        help: """
        with --teacher: more prompts for the student's fit alone (their train rows, graded or not, \
        scored by the teacher; e.g. data/distillation/everyday_prompts.jsonl): unlike --data they \
        neither teach the obvious-cases prior nor set the threshold
        """)
    static let studentHidden = CommandOption.integer(
        "student-hidden", "N", in: 0...4096, default: .value("0"),
        help: """
        with --teacher: fit the student's regression as a network of N rectified units (squared \
        error on the teacher's log-odds, L2 0.001 or 0.1 by validation APGR) instead of the \
        closed-form ridge (0; docs/frontier.md compares the two)
        """)
    static let studentMembers = CommandOption.integer(
        "student-members", "K", in: 1...64, default: .value("1"),
        help: "with --student-hidden: fit K networks from different (fixed) random starts and average them")
    static let teacherModel = CommandOption.text(
        "teacher-model", "NAME|PATH", default: .value(RouterOptions().model), help: "with --teacher: the teacher head's model")
    static let teacherTemplate = CommandOption.text(
        "teacher-template", "PATH", default: .described("--template's"),
        help: "with --teacher: the teacher head's template, when the student reads another")
    static let teacherWeight = CommandOption.number(
        "teacher-weight", in: 0...1, default: .value("1"),
        help: "with --teacher: the share of a graded row's target taken from the teacher (the rest from its grade)")
    static let balance = CommandOption.choice(
        "balance", "B", ["benchmarks", "rows"], default: .value("benchmarks"),
        help: "benchmarks (each data file weighs the same in the loss, whatever its row count) | rows (every row weighs the same)")
    static let l2 = CommandOption.number(
        "l2", in: 0...1_000_000, default: .described("the best of 0.001, 0.01, 0.1, 1, 10 on validation"),
        help: """
        L2 strength (with --teacher: the ridge strength, else the best of 1, 10, 100, 1000, 10000 by \
        validation APGR; with --student-hidden: the network's, else the better of 0.001 and 0.1)
        """)
    static let epochs = CommandOption.integer(
        "epochs", in: 1...100_000, default: .value("300"), help: "most full-batch epochs (early stopping ends sooner)")
    static let sample = CommandOption.text(
        "sample", "N|LIST",
        help: """
        at most N train rows per file, or one size per --data file in order (e.g. all,all,300: \
        `all` keeps a file whole) (those with the smallest SHA-256 of their id; the same on every \
        run)
        """)
    static let augment = CommandOption.text(
        "augment", "FILE",
        help: """
        add manipulated copies of every train row, labeled like the original: phrases claiming the \
        question is hard or easy, typed template markup, the query repeated \
        (data/augmentation/manipulation.json), so users cannot push verdicts with them \
        (docs/reliability.md)
        """)
    static let split = CommandOption.choice(
        "split", "S", ["train", "time"], default: .value("train"),
        help: """
        which rows of --data are fitted: train (the rows' `split`) | time: the oldest 80% by the rows' \
        `time` (your own recorded traffic, `causal-router judge`'s rows), so `eval --split time` checks the \
        head on the newest 20%, traffic that came after what it learned
        """)
    static let augmentCopies = CommandOption.integer(
        "augment-copies", "K", in: 1...50, default: .value("1"), help: "copies per row with --augment")

    static let spec = CommandSpec(
        name: "train", summary: "train a learned label head on labeled routing data (train split)",
        about: """
        Reads the `train` rows of each data file (with --split time: the oldest 80% by `time`) (the JSONL schema of shared/data/README.md,
        contaminated rows dropped), runs the scoring model once per prompt to get the final hidden
        state at the label position and the five zero-shot label logits (cached like eval's scores,
        so a second run is seconds), and fits a 5-way head on them: multinomial logistic regression
        with feature standardisation, L2, class balancing and early stopping on a validation slice
        (every 10th train row). Without --l2 it tries 0.001, 0.01, 0.1, 1 and 10 and keeps the lowest
        validation loss. The head file records the model and template SHA-256, the feature size,
        the data and the validation figures, and a threshold (the median strong-model win rate
        over the training rows). Use it with `route/serve/label/eval --head FILE`. With --teacher
        the head is instead distilled from another head: fitted to its win rates, so a faster
        model (fewer blocks) routes like the teacher's (docs/frontier.md, "Distillation").
        """,
        options: [DataOptions.data, split, out, headName, target, features, experts, obvious, neither, gateHidden, gateMembers, base, teacher, teacherModel,
                  teacherTemplate, teacherWeight, teacherPrompts, studentHidden, studentMembers, balance, l2, epochs,
                  sample, augment, augmentCopies, ModelOptions.model.explained("the scoring model"),
                  ModelOptions.template.explained("the template"), DataOptions.cache.explained("feature cache"),
                  DataOptions.ctx, ModelOptions.threads, DataOptions.parallel, ModelOptions.gpuLayers],
        positionals: .sameAs(DataOptions.data.name),
        exitStatus: "0 head written, 1 data/model/training error, 2 bad command line.")

    /// What the arguments ask for; `run` starts it.
    let training: TrainingRun

    init(_ parsed: ParsedArguments) throws(CLIError) {
        let data = parsed.list(DataOptions.data)
        var training = HeadTraining()
        training.target = parsed.value(Self.target).flatMap(HeadTarget.init(rawValue:)) ?? training.target
        training.balanceBenchmarks = parsed.value(Self.balance) == "benchmarks"
        do {
            training.features = try HeadFeatures(spec: parsed.value(Self.features) ?? training.features.spec)
        } catch {
            throw Self.usage(error.description)
        }
        training.studentHiddenUnits = parsed.integer(Self.studentHidden) ?? 0
        if parsed.given(Self.studentMembers) && training.studentHiddenUnits == 0 {
            throw Self.usage("--student-members goes with --student-hidden N (N >= 1)")
        }
        training.studentMembers = parsed.integer(Self.studentMembers) ?? 1
        if let l2 = parsed.number(Self.l2) { training.l2Grid = [Float(l2)]; training.ridgeGrid = [Float(l2)] }
        training.epochs = parsed.integer(Self.epochs) ?? training.epochs
        let experts = parsed.flag(Self.experts)
        if experts && !(2...5).contains(data.count) {
            throw Self.usage("--experts needs 2 to 5 data files (one expert each)")
        }
        var samples: [Int?] = data.map { _ in nil }
        if let spec = parsed.value(Self.sample) {
            let items = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let sizes = items.map { $0 == "all" ? Int?.none : Int($0) }
            let valid = zip(items, sizes).allSatisfy { $0.0 == "all" || ($0.1 ?? 0) >= 1 }
            guard valid, items.count == 1 || items.count == data.count else {
                throw Self.usage("--sample takes N (every file) or one size or `all` per data file, got '\(spec)'")
            }
            samples = items.count == 1 ? data.map { _ in sizes[0] } : sizes
        }
        if parsed.given(Self.augmentCopies) && !parsed.given(Self.augment) {
            throw Self.usage("--augment-copies needs --augment FILE")
        }
        let obvious = parsed.value(Self.obvious), base = parsed.value(Self.base), neither = parsed.list(Self.neither)
        if obvious == nil && (base != nil || !neither.isEmpty || parsed.given(Self.gateHidden)) {
            throw Self.usage("--base, --neither and --gate-hidden go with --obvious FILE")
        }
        training.gateHiddenUnits = parsed.integer(Self.gateHidden) ?? 0
        if parsed.given(Self.gateMembers) && training.gateHiddenUnits == 0 {
            throw Self.usage("--gate-members goes with --gate-hidden N (N >= 1)")
        }
        training.gateMembers = parsed.integer(Self.gateMembers) ?? 1
        if base != nil && (experts || parsed.given(Self.augment) || parsed.given(Self.features) || parsed.given(Self.target)) {
            throw Self.usage("--base reuses a fitted head: drop --experts, --augment, --features and --target")
        }
        let teacher = parsed.value(Self.teacher)
        if teacher == nil && (parsed.given(Self.teacherModel) || parsed.given(Self.teacherWeight) || parsed.given(Self.teacherTemplate)
                              || parsed.given(Self.teacherPrompts) || parsed.given(Self.studentHidden)) {
            throw Self.usage("--teacher-model, --teacher-template, --teacher-weight, --teacher-prompts and --student-hidden go with --teacher HEAD")
        }
        if teacher != nil && (experts || parsed.given(Self.base) || parsed.given(Self.target)) {
            throw Self.usage("--teacher fits one head to the teacher's win rates: drop --experts, --base and --target")
        }
        let headName = parsed.value(Self.headName)
        if let headName, headName.isEmpty || headName.contains(where: { $0.isNewline }) {
            throw Self.usage("--name must be a non-empty single line")
        }
        var router = RouterOptions()
        router.model = parsed.value(ModelOptions.model) ?? router.model
        router.templatePath = parsed.value(ModelOptions.template)
        router.gpuLayers = parsed.integer(ModelOptions.gpuLayers) ?? 0
        router.threads = parsed.integer(ModelOptions.threads) ?? router.threads
        var run = TrainingRun(data: data, samples: samples, engine: EngineOptions.read(parsed, threads: router.threads))
        run.split = parsed.value(Self.split) == "time" ? .oldest : .train
        run.out = parsed.value(Self.out)
        run.headName = headName
        run.training = training
        run.experts = experts
        run.augmentationFile = parsed.value(Self.augment)
        run.augmentCopies = parsed.integer(Self.augmentCopies) ?? 1
        run.obvious = obvious
        run.neither = neither
        run.base = base
        run.teacher = teacher
        run.teacherModel = parsed.value(Self.teacherModel)
        run.teacherTemplate = parsed.value(Self.teacherTemplate)
        run.teacherWeight = parsed.number(Self.teacherWeight) ?? run.teacherWeight
        run.teacherPrompts = parsed.list(Self.teacherPrompts)
        run.router = router
        run.cache = parsed.value(DataOptions.cache)
        self.training = run
    }

    func run(io: CommandIO) throws(CLIError) {
        do {
            let report = try training.run { io.writeError($0 + "\n") }
            io.write(report.table)
            io.write(report.summary + "\n")
        } catch {
            switch error {
            case .input(let message): throw .input(message)
            case .router(let error): throw .router(error)
            }
        }
    }
}
