import Foundation

/// Finds the project's shipped resources (models/, prompts/): `$CAUSAL_ROUTER_HOME` when set,
/// else the nearest folder holding models/catalog.tsv above the executable or the working directory.
public struct ResourceLocator: Sendable {
    public let home: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                executablePath: String = CommandLine.arguments.first ?? "",
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        if let home = environment["CAUSAL_ROUTER_HOME"], !home.isEmpty {
            self.home = home
            return
        }
        let executable = URL(fileURLWithPath: executablePath, relativeTo: URL(fileURLWithPath: workingDirectory))
            .resolvingSymlinksInPath().deletingLastPathComponent()
        for start in [executable, URL(fileURLWithPath: workingDirectory)] {
            var folder = start.standardizedFileURL
            while true {
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent("models/catalog.tsv").path) {
                    self.home = folder.path
                    return
                }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        self.home = workingDirectory
    }

    public init(home: String) {
        self.home = home
    }

    public var catalogPath: String { home + "/models/catalog.tsv" }
    public var defaultTemplatePath: String { home + "/prompts/" + Self.defaultTemplateFile }
    public var defaultConfigPath: String { home + "/models/router.json" }

    public static let defaultTemplateFile = "rating.txt"
    /// The head shipped for the default model and template.
    public static let defaultHeadFile = "smollm2-135m-iq4_nl-rating.json"
    public var defaultHeadPath: String { home + "/models/heads/" + Self.defaultHeadFile }
}
