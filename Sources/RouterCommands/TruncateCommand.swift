import Foundation
import RouterCore

/// `causal-router truncate`: writes an early-exit copy of a model (its first K blocks).
struct TruncateCommand: CLICommand {
    static let layers = CommandOption.integer(
        "layers", "K", in: 1...100_000, required: true, help: "blocks to keep (1 ... the model's blocks - 1)")
    static let spec = CommandSpec(
        name: "truncate", summary: "write an early-exit model: a GGUF copy keeping its first K blocks",
        about: """
        Copies a GGUF model keeping only its first K transformer blocks (the embeddings, the final
        norm, the output matrix and the tokenizer are kept as they are). Scoring with it costs about
        K / blocks of the full model per token, and its final hidden state is block K's output:
        train a learned head on it (`causal-router train --model FILE`) and serve it with --head.
        The zero-shot label logits of a cut model mean little; use it with a head.
        """,
        options: [layers, ModelCopySource.out, ModelCopySource.model])

    let layers: Int
    let copy: ModelCopySource

    init(_ parsed: ParsedArguments) throws(CLIError) {
        layers = parsed.integer(Self.layers) ?? 1
        copy = ModelCopySource(parsed)
    }

    func run(io: CommandIO) throws(CLIError) {
        let source = try copy.path(), out = copy.destination
        do throws(RouterError) {
            let blocks = try EarlyExitModel.blocks(modelPath: source)
            try EarlyExitModel.write(modelPath: source, layers: layers, destination: out)
            io.write("wrote \(out): \(blocks.architecture), \(layers) of \(blocks.count) blocks\n")
        } catch {
            throw .router(error)
        }
    }
}
