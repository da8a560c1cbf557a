import Foundation
import RouterCore

/// What `truncate` and `quantize` share: the model file a copy is made from (a catalog name or a
/// path), which must not be the copy's own destination.
enum ModelCopySource {
    static func path(model: String, destination: String, command: String) throws(CLIError) -> String {
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
            throw .usage("--out must not be the source model", command: command)
        }
        return source
    }
}
