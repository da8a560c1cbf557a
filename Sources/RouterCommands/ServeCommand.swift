import Dispatch
import Foundation
import RouterCore
import RouterServer
import Synchronization

/// `causal-router serve`: the sidecar HTTP server.
struct ServeCommand: CLICommand {
    static let name = "serve"
    static let summary = "run the routing sidecar (HTTP/1.1, JSON) with continuous batching"
    static let help = """
    USAGE: causal-router serve [options]

    Serves the router over HTTP/1.1 (keep-alive, JSON). It listens at once and loads the model
    in the background (GET /healthz answers 503 until it is ready).

    ENDPOINTS:
      POST /v1/route        {"query": "..."} or {"messages": [chat messages]}, optional
                            "threshold" and "timeout_ms" -> the `route` verdict + "fallback"
      POST /v1/route/batch  {"queries": [...]} -> {"verdicts": [...]} in order
      GET  /healthz         200 {"status":"ok"} when ready, 503 while loading
      GET  /v1/config       model, template, threshold, strong/weak models, limits
      GET  /metrics         Prometheus text

    A query not scored by its deadline (default --timeout-ms), or refused by a full queue, gets a
    fallback verdict at once: the config's fallback_route (default strong), "fallback": true and
    "reason": "timeout" or "overloaded". SIGTERM or SIGINT: stop accepting, answer what is in
    flight, exit 0.

    OPTIONS:
          --host ADDRESS      IPv4/IPv6 address to listen on (default: 127.0.0.1, loopback only)
          --port N            TCP port; 0 picks a free one (default: 8321)
          --unix PATH         listen on a Unix-domain socket instead of TCP
      -np, --parallel N       with --continuous-batching: queries decoded together, one
                              sequence each (default: 8)
      -b, --batch-size N      most tokens per decode call (default: 512)
          --continuous-batching  decode several queries together; by default each query is
                              decoded alone so its verdict is the same at any --parallel, run
                              after run, and equal to `route`'s (docs/reproducibility.md)
          --max-queue N       queries waiting beyond the parallel ones; more are answered
                              with an "overloaded" fallback (default: 256)
          --timeout-ms N      default deadline of a request (default: 2000)
          --max-body N        largest request body in bytes; larger gets 413 (default: 1048576)
          --idle-timeout S    close idle keep-alive connections after S seconds (default: 30)
    \(ModelOptions.help.replacingOccurrences(of: "(default: 1024)", with: "per request (default: 1024)"))
    """

    static let extraOptions: [ParsedArguments.Option] = [
        .init(name: "host"), .init(name: "port"), .init(name: "unix"),
        .init(name: "parallel", aliases: ["-np"]), .init(name: "batch-size", aliases: ["-b"]),
        .init(name: "continuous-batching", takesValue: false),
        .init(name: "max-queue"), .init(name: "timeout-ms"), .init(name: "max-body"), .init(name: "idle-timeout"),
    ]

    let options: ServerOptions
    let wantsHelp: Bool

    init(arguments: [String]) throws(CLIError) {
        let parsed = try ParsedArguments(arguments, options: ModelOptions.declared + Self.extraOptions, command: Self.name)
        wantsHelp = parsed.flag("help")
        guard parsed.positionals.isEmpty else {
            throw .usage("serve takes no arguments, got '\(parsed.positionals[0])'", command: Self.name)
        }
        var options = ServerOptions()
        options.router = try ModelOptions.read(parsed, command: Self.name)
        let port = try parsed.integer("port", in: 0...65_535, command: Self.name) ?? 8321
        if let path = parsed.value("unix") {
            guard parsed.value("host") == nil && parsed.value("port") == nil else {
                throw .usage("--unix cannot be combined with --host or --port", command: Self.name)
            }
            options.address = .unix(path: path)
        } else {
            options.address = .tcp(host: parsed.value("host") ?? "127.0.0.1", port: port)
        }
        options.engine = try EngineOptions.read(parsed, command: Self.name, threads: options.router.threads,
                                                defaultParallel: 8, defaultMaxQueue: 256)
        options.defaultTimeoutMs = try parsed.integer("timeout-ms", in: 1...600_000, command: Self.name) ?? 2000
        options.limits.maxBodyBytes = try parsed.integer("max-body", in: 64...(1 << 30), command: Self.name) ?? options.limits.maxBodyBytes
        if let idle = try parsed.integer("idle-timeout", in: 1...86_400, command: Self.name) {
            options.limits.idleTimeoutMs = idle * 1000
        }
        self.options = options
    }

    func run(io: CommandIO) throws(CLIError) {
        for sig in [SIGTERM, SIGINT] { signal(sig, SIG_IGN) }
        let finished = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        let sources = [SIGTERM, SIGINT].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { finished.signal() }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }

        let application: RouterApplication
        do {
            application = try RouterApplication(options: options)
        } catch {
            throw .server(error.description)
        }
        io.writeError("causal-router: listening on \(application.server.address) (loading \(application.service.settings.modelPath))\n")
        let watcher = Thread {
            switch application.waitUntilLoaded() {
            case .success(let took):
                io.writeError("causal-router: ready in \(Int(took.milliseconds)) ms\n")
            case .failure(let error):
                failure.withLock { $0 = error.description }
                finished.signal()
            }
        }
        watcher.start()
        finished.wait()
        if let message = failure.withLock({ $0 }) {
            application.stop(timeout: .seconds(1))
            throw .server(message)
        }
        io.writeError("causal-router: shutting down: answering in-flight requests\n")
        application.stop()
        io.writeError("causal-router: stopped\n")
    }
}
