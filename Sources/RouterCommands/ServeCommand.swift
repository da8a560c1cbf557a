import HTTPTransport
import Dispatch
import Foundation
import Locking
import RouterCore
import RouterProxy
import RouterServer

/// `causal-router serve`: the sidecar HTTP server.
struct ServeCommand: CLICommand {
    static let host = CommandOption.text("host", "ADDRESS", default: .value("127.0.0.1"), help: "IPv4/IPv6 address to listen on; the default is loopback only")
    static let port = CommandOption.integer("port", in: 0...65_535, default: .value("8321"), help: "TCP port; 0 picks a free one")
    static let unix = CommandOption.text("unix", "PATH", help: "listen on a Unix-domain socket instead of TCP")
    static let timeoutMs = CommandOption.integer(
        "timeout-ms", in: 1...600_000, default: .value(String(ServerOptions().defaultTimeoutMs)), help: "default deadline of a request")
    static let maxBody = CommandOption.integer(
        "max-body", in: 64...(1 << 30), default: .value(String(HTTPServerLimits().maxBodyBytes)),
        help: "largest request body in bytes; larger gets 413")
    static let idleTimeout = CommandOption.integer(
        "idle-timeout", "S", in: 1...86_400, default: .value(String(HTTPServerLimits().idleTimeoutMs / 1000)),
        help: "close idle keep-alive connections after S seconds")
    static let headerTimeout = CommandOption.integer(
        "header-timeout", "S", in: 1...3_600, default: .value(String(HTTPServerLimits().headerTimeoutMs / 1000)),
        help: "a request's headers must arrive within S seconds")
    static let bodyTimeout = CommandOption.integer(
        "body-timeout", "S", in: 1...3_600, default: .value(String(HTTPServerLimits().bodyTimeoutMs / 1000)),
        help: "a request's body must arrive within S seconds")
    static let maxConnections = CommandOption.integer(
        "max-connections", in: 16...1_000_000, default: .value(String(HTTPServerLimits().maxConnections)),
        help: "connections open at once, bounded by the descriptor limit")
    static let workers = CommandOption.integer(
        "workers", in: 1...1024, default: .value(String(HTTPServerLimits().workerThreads)), help: "handler threads")
    static let apiKeyFile = CommandOption.text(
        "api-key-file", "FILE", help: "keys for \"Authorization: Bearer\", one a line (# comments)")
    static let allowUnauthenticated = CommandOption.flag(
        "allow-unauthenticated", help: "serve a non-loopback address without --api-key-file")
    static let publicMetrics = CommandOption.flag("public-metrics", help: "GET /metrics needs no key")
    static let upstreams = CommandOption.text(
        "upstreams", "FILE", help: "proxy OpenAI-compatible requests to these upstreams (see PROXY)")
    static let verdictCache = CommandOption.integer(
        "verdict-cache", in: 0...10_000_000, default: .value(String(ServerOptions.defaultVerdictCacheEntries)),
        help: "distributions kept for repeated queries; 0 turns the cache off")
    static let verdictCacheTTL = CommandOption.integer(
        "verdict-cache-ttl", "S", in: 1...31_536_000, default: .value(String(ServerOptions.defaultVerdictCacheTimeToLive.components.seconds)),
        help: "seconds a cached distribution answers repeats")
    static let sessions = CommandOption.integer(
        "sessions", in: 0...10_000_000, default: .value(String(ServerOptions.defaultSessions)),
        help: "conversations whose tier is kept (session affinity, ~200 bytes each); 0 turns affinity off")
    static let sessionTTL = CommandOption.integer(
        "session-ttl", "S", in: 1...31_536_000, default: .value(String(ServerOptions.defaultSessionTimeToLive.components.seconds)),
        help: "seconds a session is kept after its last turn; later turns are routed afresh")

    static let record = CommandOption.text(
        "record", "DIR", help: "append one JSON line per answered request to files in DIR (created 0700; see RECORDING)")
    static let recordMaxMB = CommandOption.integer(
        "record-max-mb", "MB", in: 1...1_000_000, default: .value(String(RecordingOptions.defaultMaxFileMB)),
        help: "start a new record file once the current one passes MB megabytes")
    static let recordAnswers = CommandOption.flag(
        "record-answers", help: "store the answers' text in the records too (needs --record)")
    static let shadowRate = CommandOption.number(
        "shadow-rate", "R", in: 0...1, default: .value("0"),
        help: "share of routed chat requests also sent, after the answer, to the tier not chosen (needs --record and upstreams)")
    static let shadowMaxInflight = CommandOption.integer(
        "shadow-max-inflight", in: 1...1024, default: .value(String(ShadowOptions.defaultMaxInFlight)),
        help: "shadow requests running at once; beyond it a sampled request is not shadowed")
    static let poolBlocks = CommandOption.list(
        "pool-blocks", "LIST",
        help: "blocks to average over each query beyond those the head reads (bN, comma-separated, 0-based, up to "
            + "the model's block count minus 2), so that a head reading them, e.g. a traffic head trained with "
            + "--features b9,b15, can replace it with SIGHUP (docs/learning.md); without them such a head is refused "
            + "until a restart. Each costs an average over the query's tokens, not a longer pass")

    static let spec = CommandSpec(
        name: "serve",
        summary: "run the routing sidecar (HTTP/1.1, JSON) and, with upstreams, an OpenAI-compatible proxy",
        about: """
        Serves the router over HTTP/1.1 (keep-alive, JSON). It listens at once and loads the model
        in the background (GET /healthz answers 503 until it is ready). Queries are scored one at a
        time by default (batch-invariant: a verdict is the same whatever else is queued, and equal to
        `route`'s); --continuous-batching decodes up to --parallel of them together.

        ENDPOINTS:
          POST /v1/route        {"query": "..."} or {"messages": [chat messages]}, optional
                                "threshold", "timeout_ms" and "session_id" -> the verdict `route` prints
                                ("cached": true when it came from the verdict cache)
          POST /v1/route/batch  {"queries": [...]} -> {"verdicts": [...]} in order
          GET  /healthz         200 {"status":"ok"} when ready, 503 while loading
          GET  /v1/config       model, template, threshold, strong/weak models, limits
          GET  /metrics         Prometheus text

        A query not scored by its deadline (default --timeout-ms), or refused by a full queue, gets a
        fallback verdict at once: the config's fallback_route (default strong), "fallback": true and
        "reason": "timeout" or "overloaded". A query the engine cannot score in time (the tokens
        queued ahead of it at the rate it has measured) gets its "timeout" fallback when it arrives,
        not at the deadline. SIGTERM or SIGINT: stop accepting, answer what is in
        flight, exit 0. SIGHUP: re-read the head file (--head, or the shipped head in use), the routing
        config file (threshold, model names, prices, fallback route) and, when proxying, the
        upstreams (--upstreams or the config's), and swap each in; a bad file keeps what is in force
        (one line on stderr). Requests in flight finish with what they started with. A changed head
        (new SHA-256) must fit the model and template and read what the running engine reads (else
        restart); when it is swapped the verdict cache is emptied, its threshold applies, and
        /v1/config and verdicts show its name and "head_sha256". --threshold, or a head's
        threshold, still overrides the file's after a reload. /metrics: head_reloads_total by result,
        and the drift gauges recent_strong_share and recent_out_of_distribution_share over the last
        1,000 scored verdicts (docs/learning.md says when to retrain).

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
        or {"tiers": [{"name": "small", "upstream": {...}, "max_strong_win_rate": 0.3}, ...]}: the first
        tier whose bound is above the query's strong win rate answers; a fallback, or a query out
        of distribution under ood_route strong or weak, goes to the largest or the smallest tier.

        SESSIONS: a conversation stays on the tier that answered it so far (--sessions, --session-ttl).
        The proxy finds a conversation by X-Session-Id, else the request's "user", else the SHA-256 of
        its earlier messages (all but the newest user or tool messages), which it stored with the
        tier after relaying the previous answer; only digests are kept. A user turn moves the
        session up when its strong win rate passes the session tier's bound by the config's
        session_upgrade_margin (default 0.1), down only with session_allow_downgrade; a tool result
        goes to the tier that issued the call; after a failover the session continues where it was
        answered. X-Session-Id: new routes a turn afresh. /v1/route: name the session with
        X-Session-Id or "session_id"; the verdict adds "session" and "session_tier". The answer's
        X-Router-Session says new, pinned, upgraded, downgraded or tool; /metrics:
        causal_router_session_decisions_total{decision}, causal_router_sessions.

        RECORDING (off by default): --record DIR appends one JSON line per answered request (/v1/route,
        each query of /v1/route/batch, proxied completions) to DIR/records-<UTC time>-<n>.jsonl, files
        0600 in a folder created 0700; a new file once one passes --record-max-mb; at start the
        newest file's torn last line (a kill mid-write) is cut off. A record: "id" (the request's
        X-Request-Id if sane, else a new one; every answer of those endpoints carries it as
        X-Router-Request-Id), "time" (ISO-8601 UTC), "path", "index" (batch), "query" (the text
        scored), "messages" and "metadata" as the request sent them, "verdict" (the /v1/route form;
        null for a named model), and when proxied "tier" (routed to), "answered_by", "failover",
        "status", "latency_ms" {"scoring", "first_byte", "total"} from the request's arrival,
        "usage", "models" by tier; the answers' text ("answers" by tier; a stream's assembled from
        its deltas) only with --record-answers. Malformed requests (4xx) are not recorded. Records
        go through a bounded queue to a writer thread: a request never waits for the disk; a record
        arriving at a full queue is dropped (/metrics: causal_router_records_written_total,
        _records_dropped_total).
        --shadow-rate R also sends a sampled share of routed ("router...") chat requests that the
        routed tier answered, once the client has the whole answer, to the tier the router did not
        choose (strong <-> weak; with tiers the next larger, the largest the next smaller): not
        streamed, never retried, at most --shadow-max-inflight at once, not while that tier's circuit
        is open, and never seen by the client or the breakers. The record is written once that
        answer is in or has failed, with "shadow" {"tier", "status" or "error", "latency_ms",
        "usage"} (and both answers with --record-answers). /metrics:
        causal_router_shadow_requests_total{outcome="ok|failed|skipped"}.

        AUTHENTICATION: with --api-key-file, every endpoint but /healthz needs
        "Authorization: Bearer <key>" (else 401); /metrics too unless --public-metrics. Listening on
        an address other hosts can reach (not loopback, not --unix) needs --api-key-file, or
        --allow-unauthenticated. A Unix socket is created with mode 0600.
        """,
        options: [host, port, unix,
                  EngineOptions.parallel.defaulting(to: .value("8")).explained(
                      "with --continuous-batching: queries decoded together, one sequence each; without it, queries "
                      + "are decoded one at a time"),
                  EngineOptions.batchSize, EngineOptions.continuousBatching,
                  EngineOptions.maxQueue.defaulting(to: .value("256")).explained(
                      "queries waiting beyond those being decoded; more are answered with an \"overloaded\" fallback"),
                  timeoutMs, maxBody, idleTimeout, headerTimeout, bodyTimeout, maxConnections, workers, apiKeyFile,
                  allowUnauthenticated, publicMetrics, upstreams, verdictCache, verdictCacheTTL, sessions, sessionTTL,
                  record, recordMaxMB, recordAnswers, shadowRate, shadowMaxInflight, poolBlocks]
            + ModelOptions.options(contextPer: "request"))

    let options: ServerOptions
    /// `--upstreams FILE`; without it the decision config may name the upstreams.
    let upstreamsPath: String?
    /// `--shadow-rate`, `--shadow-max-inflight`.
    let shadow: ShadowOptions

    init(_ parsed: ParsedArguments) throws(CLIError) {
        var options = ServerOptions()
        options.router = try ModelOptions.read(parsed)
        if let path = parsed.value(Self.unix) {
            guard !parsed.given(Self.host) && !parsed.given(Self.port) else {
                throw Self.usage("--unix cannot be combined with --host or --port")
            }
            options.address = .unix(path: path)
        } else {
            options.address = .tcp(host: parsed.value(Self.host) ?? "127.0.0.1", port: parsed.integer(Self.port) ?? 8321)
        }
        options.engine = EngineOptions.read(parsed, threads: options.router.threads)
        options.engine.pooledBlocks = try parsed.list(Self.poolBlocks).map { given throws(CLIError) in
            let item = given.trimmingCharacters(in: .whitespaces)
            guard let block = HeadFeatures.block(named: item) else {
                throw Self.usage("--pool-blocks takes blocks as bN, e.g. b9,b15 (got '\(item)')")
            }
            return block
        }
        if parsed.given(Self.poolBlocks) && options.engine.pooledBlocks.isEmpty {
            throw Self.usage("--pool-blocks names no block (give bN, e.g. b9,b15)")
        }
        options.defaultTimeoutMs = parsed.integer(Self.timeoutMs) ?? options.defaultTimeoutMs
        options.limits.maxBodyBytes = parsed.integer(Self.maxBody) ?? options.limits.maxBodyBytes
        options.limits.idleTimeoutMs = parsed.integer(Self.idleTimeout).map { $0 * 1000 } ?? options.limits.idleTimeoutMs
        options.limits.headerTimeoutMs = parsed.integer(Self.headerTimeout).map { $0 * 1000 } ?? options.limits.headerTimeoutMs
        options.limits.bodyTimeoutMs = parsed.integer(Self.bodyTimeout).map { $0 * 1000 } ?? options.limits.bodyTimeoutMs
        options.limits.maxConnections = parsed.integer(Self.maxConnections) ?? options.limits.maxConnections
        options.limits.workerThreads = parsed.integer(Self.workers) ?? options.limits.workerThreads
        options.apiKeyFile = parsed.value(Self.apiKeyFile)
        options.allowUnauthenticated = parsed.flag(Self.allowUnauthenticated)
        options.publicMetrics = parsed.flag(Self.publicMetrics)
        options.verdictCacheEntries = parsed.integer(Self.verdictCache) ?? options.verdictCacheEntries
        options.verdictCacheTimeToLive = parsed.integer(Self.verdictCacheTTL).map { .seconds($0) } ?? options.verdictCacheTimeToLive
        options.sessions = parsed.integer(Self.sessions) ?? options.sessions
        options.sessionTimeToLive = parsed.integer(Self.sessionTTL).map { .seconds($0) } ?? options.sessionTimeToLive
        upstreamsPath = parsed.value(Self.upstreams)
        if let directory = parsed.value(Self.record) {
            guard !directory.isEmpty else { throw Self.usage("--record needs a folder") }
            options.recording = RecordingOptions(
                directory: directory, maxFileBytes: (parsed.integer(Self.recordMaxMB) ?? RecordingOptions.defaultMaxFileMB) << 20,
                answers: parsed.flag(Self.recordAnswers))
        } else {
            for option in [Self.recordAnswers, Self.recordMaxMB, Self.shadowRate] where parsed.given(option) {
                guard option.name != Self.shadowRate.name || (parsed.number(Self.shadowRate) ?? 0) > 0 else { continue }
                throw Self.usage("--\(option.name) needs --record DIR")
            }
        }
        shadow = ShadowOptions(rate: parsed.number(Self.shadowRate) ?? 0,
                               maxInFlight: parsed.integer(Self.shadowMaxInflight) ?? ShadowOptions.defaultMaxInFlight)
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
        if shadow.rate > 0 && upstreams == nil {
            throw Self.usage("--shadow-rate needs upstreams (--upstreams FILE, or the decision config's)")
        }
        if upstreams != nil, let reason = OpenAIProxy.transportUnavailability {
            throw .server("cannot proxy to the upstreams: \(reason)")
        }
        var proxy: OpenAIProxy?
        let application: RouterApplication
        do {
            application = try RouterApplication(options: options) { service -> any HTTPHandler in
                guard let upstreams else { return service }
                proxy = OpenAIProxy(service: service, upstreams: upstreams, shadow: shadow)
                return proxy!
            }
        } catch {
            throw .server(error.description)
        }
        if let upstreams {
            io.writeError("causal-router: proxying to " + upstreams.tiers.map(\.upstream.description).joined(separator: ", ") + "\n")
        }
        io.writeError("causal-router: listening on \(application.server.address) (loading \(application.service.settings.modelPath))\n")
        if let recorder = application.service.settings.recorder {
            io.writeError("causal-router: recording to \(recorder.currentFile)" + (recorder.options.answers ? " (with answers)" : "")
                          + (shadow.rate > 0 ? ", shadowing \(shadow.rate) of routed chat requests" : "") + "\n")
        }
        let reloads = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        let reloadedProxy = proxy
        reloads.setEventHandler {
            switch application.reloadHead() {
            case .swapped(let name, let sha256, let path):
                io.writeError("causal-router: head swapped: '\(name)' (sha256 \(sha256.prefix(16))…, \(path)); verdict cache emptied\n")
            case .unchanged:
                break
            case .refused(let reason):
                io.writeError("causal-router: head reload refused, keeping the head in force: \(reason)\n")
            }
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
        let stopShadows: () -> Void = { [reloadedProxy] in reloadedProxy?.stopShadows() }
        if let message = failure.withLock({ $0 }) {
            application.stop(timeout: .seconds(1), beforeClosingRecords: stopShadows)
            throw .server(message)
        }
        io.writeError("causal-router: shutting down: answering in-flight requests\n")
        application.stop(beforeClosingRecords: stopShadows)
        io.writeError("causal-router: stopped\n")
    }
}
