import Dispatch
import Foundation
import RouterCore
import RouterProxy
import RouterServer

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
                            and "cached"
      POST /v1/route/batch  {"queries": [...]} -> {"verdicts": [...]} in order
      GET  /healthz         200 {"status":"ok"} when ready, 503 while loading
      GET  /v1/config       model, template, threshold, strong/weak models, limits
      GET  /metrics         Prometheus text

    A query not scored by its deadline (default --timeout-ms), or refused by a full queue, gets a
    fallback verdict at once: the config's fallback_route (default strong), "fallback": true and
    "reason": "timeout" or "overloaded". A query the engine cannot score in time (the tokens
    queued ahead of it at the rate it has measured) gets its "timeout" fallback when it arrives,
    not at the deadline. SIGTERM or SIGINT: stop accepting, answer what is in
    flight, exit 0. SIGHUP: re-read the routing config file (threshold, model names, prices,
    fallback route) and, when proxying, the upstreams (--upstreams or the config's), and swap
    each in; a bad file keeps what is in force (one line on stderr). Requests in flight finish
    with what they started with.
    --threshold, or a head's threshold, still overrides the file's after a reload.

    VERDICT CACHE: a query whose normalised text (surrounding whitespace removed; for "messages"
    the conversation query) was scored less than --verdict-cache-ttl seconds ago is answered from
    the cached distribution without decoding ("cached": true): the same probabilities, label and
    ood_score, routed by the request's threshold and the config in force (a SIGHUP reload keeps
    the cache). Fallbacks and errors are never cached. The least recently used entry goes when
    the cache is full (~500 bytes an entry). The proxy's "router" requests use it too
    (X-Router-Cached: 1). /metrics: causal_router_verdict_cache_hits_total, _misses_total,
    _entries and _capacity.

    Connections are served by one epoll event loop (idle and half-sent connections cost a file
    descriptor, not a thread) and a pool of --workers handler threads. A request's head must
    arrive within --header-timeout and its body within --body-timeout (else 408); at the
    connection cap the oldest connection with no request in flight is closed.

    PROXY: with --upstreams FILE (or the same keys in the decision config), serve is also an
    OpenAI-compatible proxy: POST /v1/chat/completions and /v1/completions with "model":
    "router" (the configured threshold) or "router-<threshold>" are routed and forwarded to the
    strong or weak upstream (another model name goes to the upstream serving it, else 404),
    "stream": true relays the upstream's events; GET /v1/models lists them. An upstream that
    refuses, times out before its first byte or answers 5xx/429 is retried once on the other
    tier (X-Router-Failover: 1); circuit breakers skip failing upstreams. The file:
      {"strong": {"base_url": "http://host:port/v1", "model": "name", "api_key_env": "VAR"},
       "weak": {...}, "timeouts": {"connect_ms": 2000, "first_byte_ms": 60000, "total_ms": 600000},
       "breaker": {"failures": 3, "cooldown_ms": 10000, "max_cooldown_ms": 300000}}
    or {"tiers": [{"name": "small", "upstream": {...}, "max_strong_win_rate": 0.3}, ...]}.

    AUTHENTICATION: with --api-key-file, every endpoint but /healthz needs
    "Authorization: Bearer <key>" (else 401); /metrics too unless --public-metrics. Listening on
    an address other hosts can reach (not loopback, not --unix) needs --api-key-file, or
    --allow-unauthenticated. A Unix socket is created with mode 0600.

    OPTIONS:
          --host ADDRESS      IPv4/IPv6 address to listen on (default: 127.0.0.1, loopback only)
          --port N            TCP port; 0 picks a free one (default: 8321)
          --unix PATH         listen on a Unix-domain socket instead of TCP
      -np, --parallel N       with --continuous-batching: queries decoded together, one
                              sequence each (default: 8)
      -b, --batch-size N      most tokens per decode call (default: 128: a long query is decoded
                              in chunks of it, which bounds the compute buffer)
          --continuous-batching  decode several queries together; by default each query is
                              decoded alone so its verdict is the same at any --parallel, run
                              after run, and equal to `route`'s (docs/reproducibility.md)
          --max-queue N       queries waiting beyond the parallel ones; more are answered
                              with an "overloaded" fallback (default: 256)
          --timeout-ms N      default deadline of a request (default: 2000)
          --max-body N        largest request body in bytes; larger gets 413 (default: 1048576)
          --idle-timeout S    close idle keep-alive connections after S seconds (default: 30)
          --header-timeout S  a request's headers must arrive within S seconds (default: 10)
          --body-timeout S    a request's body must arrive within S seconds (default: 30)
          --max-connections N connections open at once, bounded by the descriptor limit
                              (default: 10000)
          --workers N         handler threads (default: 32)
          --api-key-file FILE keys for "Authorization: Bearer", one a line (# comments)
          --allow-unauthenticated
                              serve a non-loopback address without --api-key-file
          --public-metrics    GET /metrics needs no key
          --upstreams FILE    proxy OpenAI-compatible requests to these upstreams (see PROXY)
          --verdict-cache N   distributions kept for repeated queries; 0 turns the cache off
                              (default: 10000)
          --verdict-cache-ttl S
                              seconds a cached distribution answers repeats (default: 600)
    \(ModelOptions.help.replacingOccurrences(of: "(default: \(ScoringEngineSettings.defaultContextLength))", with: "per request (default: \(ScoringEngineSettings.defaultContextLength))"))
    """

    static let extraOptions: [ParsedArguments.Option] = [
        .init(name: "host"), .init(name: "port"), .init(name: "unix"),
        .init(name: "parallel", aliases: ["-np"]), .init(name: "batch-size", aliases: ["-b"]),
        .init(name: "continuous-batching", takesValue: false),
        .init(name: "max-queue"), .init(name: "timeout-ms"), .init(name: "max-body"), .init(name: "idle-timeout"),
        .init(name: "header-timeout"), .init(name: "body-timeout"), .init(name: "max-connections"), .init(name: "workers"),
        .init(name: "api-key-file"), .init(name: "allow-unauthenticated", takesValue: false),
        .init(name: "public-metrics", takesValue: false), .init(name: "upstreams"),
        .init(name: "verdict-cache"), .init(name: "verdict-cache-ttl"),
    ]

    let options: ServerOptions
    let wantsHelp: Bool
    /// `--upstreams FILE`; without it the decision config may name the upstreams.
    let upstreamsPath: String?

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
        if let header = try parsed.integer("header-timeout", in: 1...3_600, command: Self.name) {
            options.limits.headerTimeoutMs = header * 1000
        }
        if let body = try parsed.integer("body-timeout", in: 1...3_600, command: Self.name) {
            options.limits.bodyTimeoutMs = body * 1000
        }
        options.limits.maxConnections = try parsed.integer("max-connections", in: 16...1_000_000, command: Self.name)
            ?? options.limits.maxConnections
        options.limits.workerThreads = try parsed.integer("workers", in: 1...1024, command: Self.name) ?? options.limits.workerThreads
        options.apiKeyFile = parsed.value("api-key-file")
        options.allowUnauthenticated = parsed.flag("allow-unauthenticated")
        options.publicMetrics = parsed.flag("public-metrics")
        options.verdictCacheEntries = try parsed.integer("verdict-cache", in: 0...10_000_000, command: Self.name)
            ?? ServerOptions.defaultVerdictCacheEntries
        if let seconds = try parsed.integer("verdict-cache-ttl", in: 1...31_536_000, command: Self.name) {
            options.verdictCacheTimeToLive = .seconds(seconds)
        }
        upstreamsPath = parsed.value("upstreams")
        self.options = options
    }

    /// The upstreams of --upstreams, else of the decision config when it names them; nil: no proxy.
    private func loadUpstreams() throws(CLIError) -> UpstreamConfig? {
        do {
            if let path = upstreamsPath { return try UpstreamConfig.load(path: path) }
            let configPath = options.router.configPath ?? ResourceLocator().defaultConfigPath
            guard UpstreamConfig.namesUpstreams(path: configPath) else { return nil }
            return try UpstreamConfig.load(path: configPath, otherKeys: RoutingConfig.keys)
        } catch {
            throw .server(error.description)
        }
    }

    func run(io: CommandIO) throws(CLIError) {
        for sig in [SIGTERM, SIGINT, SIGHUP] { signal(sig, SIG_IGN) }
        MallocArenas.limit(to: 2)
        let finished = DispatchSemaphore(value: 0)
        let failure = Lock<String?>(nil)
        let sources = [SIGTERM, SIGINT].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { finished.signal() }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }

        let upstreams = try loadUpstreams()
        if upstreams != nil, let reason = OpenAIProxy.transportUnavailability {
            throw .server("cannot proxy to the upstreams: \(reason)")
        }
        var proxy: OpenAIProxy?
        let application: RouterApplication
        do {
            application = try RouterApplication(options: options) { service -> any HTTPHandler in
                guard let upstreams else { return service }
                proxy = OpenAIProxy(service: service, upstreams: upstreams)
                return proxy!
            }
        } catch {
            throw .server(error.description)
        }
        if let upstreams {
            io.writeError("causal-router: proxying to " + upstreams.tiers.map(\.upstream.description).joined(separator: ", ") + "\n")
        }
        io.writeError("causal-router: listening on \(application.server.address) (loading \(application.service.settings.modelPath))\n")
        let reloads = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        let reloadedProxy = proxy
        reloads.setEventHandler {
            switch application.reloadConfig() {
            case .success(let config):
                io.writeError("causal-router: config reloaded (threshold \(config.threshold), strong \(config.strongModel), "
                              + "weak \(config.weakModel), fallback \(config.fallbackRoute.rawValue))\n")
            case .failure(let error):
                io.writeError("causal-router: config reload failed, keeping the config in force: \(error)\n")
            }
            guard let reloadedProxy else { return }
            do throws(CLIError) {
                guard let upstreams = try loadUpstreams() else {
                    io.writeError("causal-router: upstreams reload: none are configured now; keeping the upstreams in force\n")
                    return
                }
                reloadedProxy.reload(upstreams: upstreams)
                io.writeError("causal-router: upstreams reloaded: "
                              + upstreams.tiers.map(\.upstream.description).joined(separator: ", ") + "\n")
            } catch {
                io.writeError("causal-router: upstreams reload failed, keeping the upstreams in force: \(error.message)\n")
            }
        }
        reloads.resume()
        defer { reloads.cancel() }
        let watcher = Thread {
            switch application.waitUntilLoaded() {
            case .success(let took):
                let restored = application.service.engine?.restoredPrefix == true
                io.writeError("causal-router: ready in \(Int(took.milliseconds)) ms"
                              + (restored ? " (template prefix restored from the previous start)\n" : "\n"))
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
