import Foundation
import RouterCore

/// What `truncate` and `quantize` share: the model file a copy is made from (a catalog name or a
/// path), which must not be the copy's own destination.
struct ModelCopySource {
    static let out = CommandOption.text("out", "FILE", required: true, help: "the new GGUF file")
    static let model = CommandOption.text(
        "model", alias: "-m", "NAME|PATH", default: .value(ModelCatalog.defaultModelName), help: "the source model")

    /// The copy's destination (`--out`) and the model it is made from (`--model`).
    let destination: String
    let model: String
    let spec: CommandSpec

    init(_ parsed: ParsedArguments) {
        destination = parsed.value(Self.out) ?? ""
        model = parsed.value(Self.model) ?? ModelCatalog.defaultModelName
        spec = parsed.spec
    }

    /// The source model's file (made on first use for a derived catalog entry).
    func path() throws(CLIError) -> String {
        var options = RouterOptions()
        options.model = model
        let source: String
        do {
            source = try RouterSetup(options: options).modelPath()
        } catch {
            throw .router(error)
        }
        let resolved = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath() }
        guard resolved(source) != resolved(destination) else {
            throw spec.usage("--out must not be the source model")
        }
        return source
    }
}
