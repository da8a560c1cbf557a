import Foundation
import RouterCore

/// `causal-router quantize`: writes a copy of a model with its weights in a faster format.
struct QuantizeCommand: CLICommand {
    static let name = "quantize"
    static let summary = "write a requantized model: a GGUF copy in a format with faster CPU kernels"
    static var help: String { """
    USAGE: causal-router quantize --out FILE [--type FORMAT] [-m NAME|PATH] [-t N]

    Copies a GGUF model with its weights requantized by llama.cpp's own quantizer (what its
    llama-quantize tool does, from the pinned source). llama.cpp's CPU backend repacks IQ4_NL and
    Q4_0 weights for its fastest kernels (AVX2, ARM), which Q4_1 and most K-quant files of small
    models do not get: on 2 AVX2 cores an IQ4_NL copy of SmolLM2-135M (Q4_1) scores prompts at
    ~1.7x the rate. Requantizing adds rounding, so hidden states and zero-shot labels move: train
    a head for the new file (`causal-router train --model FILE`) and measure it before serving it
    (docs/heads.md, round 7). The output depends only on the input file and the llama.cpp
    version. The default model, the catalog's `smollm2-135m-iq4_nl`, is this copy of
    `smollm2-135m`, made on first use.

    OPTIONS:
          --out FILE          the new GGUF file (written whole, then renamed into place)
          --type FORMAT       \(QuantizedModel.formatNames.joined(separator: " | ")) (default: IQ4_NL)
      -m, --model NAME|PATH   the source model (default: \(ModelCatalog.defaultModelName))
      -t, --threads N         threads (default: all cores; the output is the same for any N)
      -h, --help              show this help
    """ }

    static let declared: [ParsedArguments.Option] = [
        .init(name: "out"), .init(name: "type"), .init(name: "model", aliases: ["-m"]), .init(name: "threads", aliases: ["-t"]),
        .init(name: "help", aliases: ["-h"], takesValue: false),
    ]

    let out: String
    let format: String
    let model: String
    let threads: Int
    let wantsHelp: Bool

    init(arguments: [String]) throws(CLIError) {
        let parsed = try ParsedArguments(arguments, options: Self.declared, command: Self.name)
        wantsHelp = parsed.flag("help")
        guard wantsHelp || parsed.positionals.isEmpty else { throw .usage("unexpected '\(parsed.positionals[0])'", command: Self.name) }
        guard wantsHelp || parsed.value("out") != nil else { throw .usage("quantize needs --out FILE", command: Self.name) }
        let format = parsed.value("type") ?? "IQ4_NL"
        guard wantsHelp || QuantizedModel.isFormatName(format) else {
            throw .usage("--type must be one of \(QuantizedModel.formatNames.joined(separator: ", ")), got '\(format)'", command: Self.name)
        }
        self.format = format
        threads = try parsed.integer("threads", in: 1...1024, command: Self.name) ?? ProcessInfo.processInfo.activeProcessorCount
        out = parsed.value("out") ?? ""
        model = parsed.value("model") ?? ModelCatalog.defaultModelName
    }

    func run(io: CommandIO) throws(CLIError) {
        let source = try ModelCopySource.path(model: model, destination: out, command: Self.name)
        do {
            let partial = out + ".partial"
            defer { try? FileManager.default.removeItem(atPath: partial) }
            try QuantizedModel.write(modelPath: source, formatName: format, destination: partial, threads: threads)
            if FileManager.default.fileExists(atPath: out) { try FileManager.default.removeItem(atPath: out) }
            try FileManager.default.moveItem(atPath: partial, toPath: out)
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: out))?[.size] as? NSNumber)?.int64Value ?? 0
            io.write("wrote \(out): \(format.uppercased()) weights from \(source), \(bytes) bytes\n")
        } catch let error as RouterError {
            throw .router(error)
        } catch {
            throw .input("cannot write \(out): \(error.localizedDescription)")
        }
    }
}
