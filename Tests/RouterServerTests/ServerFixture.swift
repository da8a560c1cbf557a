import Foundation
import RouterCore
import RouterServer
import TestSupport

/// One real server (SmolLM2, ephemeral port) shared by the server tests, and helpers.
enum ServerFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let locator = ResourceLocator(home: root)

    static func options(parallel: Int = 8, maxQueue: Int = 256, maxBody: Int = 4096) -> ServerOptions {
        var options = ServerOptions()
        options.address = .tcp(host: "127.0.0.1", port: 0)
        options.engine = ScoringEngineSettings(parallel: parallel, contextLength: 512, maxQueue: maxQueue, threads: 2)
        options.limits.maxBodyBytes = maxBody
        options.limits.idleTimeoutMs = 5_000
        return options
    }

    private static let shared = Result { () throws(ServeError) -> RouterApplication in try RouterApplication(options: options(), locator: locator) }

    /// The shared server, once its model is loaded.
    static func application() throws -> RouterApplication {
        let application = try shared.get()
        _ = try application.waitUntilLoaded().get()
        return application
    }

    static func port(_ application: RouterApplication) -> Int {
        guard case .tcp(_, let port) = application.server.address else { return 0 }
        return port
    }

    static func client() throws -> TestHTTPClient {
        try TestHTTPClient(port: port(application()))
    }

    /// A metric's value from the /metrics text (0 when absent).
    static func metric(_ name: String, in text: String) -> Double {
        MetricsText.value(name, in: text)
    }

    static func gsm8kQueries(_ count: Int) throws -> [String] {
        let text = try String(contentsOfFile: root + "/data/routellm/gsm8k.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").prefix(count).map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["prompt"] as! String
        }
    }

    static func jsonString(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed]), as: UTF8.self)
            .dropFirst().dropLast().description
    }
}
