import Foundation
import RouterCore

/// `causal-router truncate`: writes an early-exit copy of a model (its first K blocks).
struct TruncateCommand: CLICommand {
    static let name = "truncate"
    static let summary = "write an early-exit model: a GGUF copy keeping its first K blocks"
    static let help = """
    USAGE: causal-router truncate --layers K --out FILE [-m NAME|PATH]

    Copies a GGUF model keeping only its first K transformer blocks (the embeddings, the final
    norm, the output matrix and the tokenizer are kept as they are). Scoring with it costs about
    K / blocks of the full model per token, and its final hidden state is block K's output:
    train a learned head on it (`causal-router train --model FILE`) and serve it with --head.
    The zero-shot label logits of a cut model mean little; use it with a head.

    OPTIONS:
          --layers K          blocks to keep (1 ... the model's blocks - 1)
          --out FILE          the new GGUF file
      -m, --model NAME|PATH   the source model (default: \(ModelCatalog.defaultModelName))
      -h, --help              show this help
    """

    static let declared: [ParsedArguments.Option] = [
        .init(name: "layers"), .init(name: "out"), .init(name: "model", aliases: ["-m"]), .init(name: "help", aliases: ["-h"], takesValue: false),
    ]

    let layers: Int
    let out: String
    let model: String
    let wantsHelp: Bool

    init(arguments: [String]) throws(CLIError) {
        let parsed = try ParsedArguments(arguments, options: Self.declared, command: Self.name)
        wantsHelp = parsed.flag("help")
        guard wantsHelp || parsed.positionals.isEmpty else { throw .usage("unexpected '\(parsed.positionals[0])'", command: Self.name) }
        let layers = try parsed.integer("layers", in: 1...100_000, command: Self.name)
        guard wantsHelp || (layers != nil && parsed.value("out") != nil) else {
            throw .usage("truncate needs --layers K and --out FILE", command: Self.name)
        }
        self.layers = layers ?? 1
        out = parsed.value("out") ?? ""
        model = parsed.value("model") ?? ModelCatalog.defaultModelName
    }

    func run(io: CommandIO) throws(CLIError) {
        let source = try ModelCopySource.path(model: model, destination: out, command: Self.name)
        do throws(RouterError) {
            let blocks = try EarlyExitModel.blocks(modelPath: source)
            try EarlyExitModel.write(modelPath: source, layers: layers, destination: out)
            io.write("wrote \(out): \(blocks.architecture), \(layers) of \(blocks.count) blocks\n")
        } catch {
            throw .router(error)
        }
    }
}
