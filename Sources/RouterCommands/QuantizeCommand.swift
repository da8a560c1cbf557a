import Foundation
import RouterCore

/// `causal-router quantize`: writes a copy of a model with its weights in a faster format.
struct QuantizeCommand: CLICommand {
    static let type = CommandOption.text(
        "type", "FORMAT", default: .value("IQ4_NL"), help: QuantizedModel.formatNames.joined(separator: " | "))
    static let threads = ModelOptions.threads.explained("threads; the output is the same for any N")
    static let spec = CommandSpec(
        name: "quantize", summary: "write a requantized model: a GGUF copy in a format with faster CPU kernels",
        about: """
        Copies a GGUF model with its weights requantized by llama.cpp's own quantizer (what its
        llama-quantize tool does, from the pinned source). llama.cpp's CPU backend repacks IQ4_NL and
        Q4_0 weights for its fastest kernels (AVX2, ARM), which Q4_1 and most K-quant files of small
        models do not get: on 2 AVX2 cores an IQ4_NL copy of SmolLM2-135M (Q4_1) scores prompts at
        ~1.7x the rate. Requantizing adds rounding, so hidden states and zero-shot labels move: train
        a head for the new file (`causal-router train --model FILE`) and measure it before serving it
        (docs/heads.md, round 7). The output depends only on the input file and the llama.cpp
        version. The default model, the catalog's `smollm2-135m-iq4_nl`, is this copy of
        `smollm2-135m`, made on first use.
        """,
        options: [ModelCopySource.out.explained("the new GGUF file (written whole, then renamed into place)"), type,
                  ModelCopySource.model, threads])

    let format: String
    let threads: Int
    let copy: ModelCopySource

    init(_ parsed: ParsedArguments) throws(CLIError) {
        let format = parsed.value(Self.type) ?? "IQ4_NL"
        guard QuantizedModel.isFormatName(format) else {
            throw Self.usage("--type must be one of \(QuantizedModel.formatNames.joined(separator: ", ")), got '\(format)'")
        }
        self.format = format
        threads = parsed.integer(Self.threads) ?? ProcessInfo.processInfo.activeProcessorCount
        copy = ModelCopySource(parsed)
    }

    func run(io: CommandIO) throws(CLIError) {
        let source = try copy.path(), out = copy.destination
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
