import Foundation
import RouterCore
import RouterEvaluation
import RouterLabeling

/// `causal-router calibrate`: the threshold that sends a chosen share of some traffic to the
/// strong model, and what that saves.
struct CalibrateCommand: CLICommand {
    static let input = CommandOption.text(
        "input", "LOG", required: true, help: "a `label` output or a query log ('-' for standard input)")
    static let strongFraction = CommandOption.number(
        "strong-fraction", "F", in: 0...1, default: .value("0.3"), help: "share of traffic for the strong model, 0...1")
    static let writeConfig = CommandOption.flag(
        "write-config",
        help: "store the threshold in the config file (--config, default models/router.json), keeping its other keys; "
            + "for zero-shot verdicts (a head's own threshold replaces the config's)")
    static let writeHead = CommandOption.flag("write-head", help: "with --head FILE: store the threshold in the head file")

    static let spec = CommandSpec(
        name: "calibrate", summary: "pick the threshold that routes a given share of a log to the strong model",
        about: """
        LOG is either the output of `causal-router label` (rows with "strong_win_rate") or a query
        log in any format `label` reads, which is then labeled first. Prints the threshold that
        sends --strong-fraction of these rows to the strong model (RouteLLM's calibration: route
        strong when strong_win_rate >= threshold) and, when the config has prices
        (strong_/weak_price_per_request or strong_/weak_price_per_1k_tokens), the expected cost
        against sending everything to the strong model.
        """,
        options: [input, strongFraction, writeConfig, writeHead,
                  LabelCommand.format.explained("how to read a query log (as for `label`): jsonl | csv | text"),
                  LabelCommand.field.explained("how to read a query log (as for `label`)")]
            + ModelOptions.options())

    let router: RouterOptions
    let input: String
    let fraction: Double
    let writeConfig: Bool
    let writeHead: Bool
    let format: InputFormat?
    let field: String?

    init(_ parsed: ParsedArguments) throws(CLIError) {
        router = try ModelOptions.read(parsed)
        input = parsed.value(Self.input) ?? "-"
        fraction = parsed.number(Self.strongFraction) ?? 0.3
        writeConfig = parsed.flag(Self.writeConfig)
        writeHead = parsed.flag(Self.writeHead)
        if writeHead && router.zeroShot {
            throw Self.usage("--write-head sets a head's threshold: drop --no-head")
        }
        if writeHead && writeConfig { throw Self.usage("choose --write-config or --write-head") }
        if writeConfig && router.headPath != nil {
            throw Self.usage("with --head the head's threshold is used, not the config's: use --write-head")
        }
        format = parsed.value(LabelCommand.format).flatMap(InputFormat.init(rawValue:))
        field = parsed.value(LabelCommand.field)
    }

    func run(io: CommandIO) throws(CLIError) {
        let setup = RouterSetup(options: router)
        let config: RoutingConfig
        let head: LabelHead?
        let headPath: String?
        do {
            let inUse = try setup.headInUse()
            head = inUse?.head
            headPath = inUse?.path
            config = try setup.config(head: head)
        } catch {
            throw .router(error)
        }
        if writeHead && head == nil {
            throw .input("--write-head: no head is in use for this model and template (name one with --head FILE)")
        }
        if writeConfig, let headPath {
            throw .input("the head \(headPath) is in use and its threshold replaces the config's: use --write-head, or --no-head to calibrate the config")
        }
        let (winRates, heads) = try readWinRates(setup: setup, head: head, config: config, io: io)
        guard !winRates.isEmpty else { throw .input("\(input) holds no rows to calibrate on") }
        if writeConfig, let used = heads.first {
            throw .input("\(input) was labeled with the head '\(used)': its threshold lives in the head file; use --head FILE --write-head")
        }
        let threshold = ThresholdCalibration.threshold(winRates: winRates, strongFraction: fraction)
        let share = ThresholdCalibration.strongShare(winRates: winRates, threshold: threshold)
        let routed = winRates.filter { $0 >= threshold }.count
        io.write("calibrate: \(winRates.count) rows; threshold \(threshold) routes \(String(format: "%.1f", share * 100))% (\(routed) rows) to the strong model (asked \(String(format: "%.1f", fraction * 100))%)\n")
        if let prices = config.prices {
            let relative = prices.relativeCost(strongShare: share)
            io.write("calibrate: prices per \(prices.unit.rawValue): strong \(prices.strong), weak \(prices.weak); routed cost \(String(format: "%.1f", relative * 100))% of all-strong, saving \(String(format: "%.1f", (1 - relative) * 100))%\n")
        } else {
            io.write("calibrate: add strong_/weak_price_per_request (or _per_1k_tokens) to the config for a cost estimate\n")
        }
        if writeConfig {
            let path = router.configPath ?? ResourceLocator().defaultConfigPath
            try Self.store(threshold: threshold, in: path)
            io.write("calibrate: wrote threshold \(threshold) to \(path)\n")
        }
        if writeHead, var head, let path = headPath {
            head.threshold = threshold
            do {
                try head.write(to: path)
            } catch {
                throw .router(error)
            }
            io.write("calibrate: wrote threshold \(threshold) to \(path)\n")
        }
    }

    /// Win rates (and the heads named in the rows) from a `label` output, or by labeling a
    /// query log into a temporary file.
    private func readWinRates(setup: RouterSetup, head: LabelHead?, config: RoutingConfig,
                              io: CommandIO) throws(CLIError) -> ([Double], Set<String>) {
        if input != "-", let rows = Self.labeledWinRates(path: input) { return rows }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("calibrate-\(UUID()).jsonl").path
        defer {
            try? FileManager.default.removeItem(atPath: temporary)
            try? FileManager.default.removeItem(atPath: temporary + ".errors.jsonl")
        }
        var options = LabelOptions(input: input, output: temporary)
        options.format = format
        options.field = field
        let engine: ScoringEngine
        do {
            engine = try ScoringEngine(model: setup.loadModel(), template: setup.template(),
                                              settings: setup.withPrefixStore(ScoringEngineSettings(parallel: 16, maxQueue: 128,
                                                                                                    threads: router.threads, head: head)))
        } catch {
            throw .router(error)
        }
        defer { engine.shutdown() }
        do {
            _ = try LabelRunner(options: options, engine: engine, config: config, writeStatus: io.writeError).run()
        } catch {
            throw .server(error.description)
        }
        return Self.labeledWinRates(path: temporary) ?? ([], [])
    }

    /// The strong_win_rate of every row and the heads named, if the file is a `label` output.
    static func labeledWinRates(path: String) -> ([Double], Set<String>)? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var rates: [Double] = []
        var heads = Set<String>()
        // JSONDecoder parses numbers exactly (JSONSerialization on Linux does not), so the
        // threshold chosen is one of the logged rates, bit for bit.
        struct Row: Decodable {
            var strong_win_rate: Double
            var head: String?
        }
        let decoder = JSONDecoder()
        for line in data.split(separator: 10) {
            guard let row = try? decoder.decode(Row.self, from: Data(line)) else { return nil }
            rates.append(row.strong_win_rate)
            if let head = row.head { heads.insert(head) }
        }
        return rates.isEmpty ? nil : (rates, heads)
    }

    /// Sets "threshold" in a config file, keeping its other keys (creating the file if needed).
    static func store(threshold: Double, in path: String) throws(CLIError) {
        var object: [String: Any] = [:]
        if let data = FileManager.default.contents(atPath: path) {
            guard let existing = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw .input("cannot update \(path): it is not a JSON object")
            }
            object = existing
        }
        object["threshold"] = threshold
        do {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            try (String(decoding: data, as: UTF8.self) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            _ = try RoutingConfig.load(path: path)
        } catch let error as RouterError {
            throw .router(error)
        } catch {
            throw .input("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
