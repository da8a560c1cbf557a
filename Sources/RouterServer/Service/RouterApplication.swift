import HTTPTransport
import Dispatch
import Foundation
import Locking
import RouterCore

/// The server's composition root, shared by `causal-router serve` and the tests: checks the
/// options, binds the address and starts answering at once (health says "loading"), then loads
/// the model and its batched engine on a background thread. `reloadHead` and `reloadConfig`
/// re-read the head file and the routing config (SIGHUP).
public final class RouterApplication: Sendable {
    public let server: HTTPServer
    public let service: RouterService
    private let setup: RouterSetup
    /// The model and template being served: a head re-read on SIGHUP must have been fitted for them.
    private let identity: ScoringIdentity
    private let loading = DispatchSemaphore(value: 0)
    private let loadResult = Lock<Result<Duration, RouterError>?>(nil)

    /// Validates everything that can be checked without loading weights (config, template, model
    /// file), binds the address and starts serving; the model loads in the background.
    /// `handler` puts another handler in front of the service (the OpenAI-compatible proxy); by
    /// default the service answers every request itself.
    public init(options: ServerOptions, locator: ResourceLocator = ResourceLocator(),
                handler: (RouterService) -> any HTTPHandler = { $0 }) throws(ServeError) {
        let setup = RouterSetup(options: options.router, locator: locator)
        self.setup = setup
        var authenticator: APIKeyAuthenticator?
        if let path = options.apiKeyFile {
            do {
                authenticator = APIKeyAuthenticator(keys: try APIKeyFile.load(path: path))
            } catch {
                throw .apiKeys(error)
            }
        } else if !options.address.isLocalOnly && !options.allowUnauthenticated {
            throw .unauthenticatedNetworkAddress(options.address)
        }
        let config: RoutingConfig
        let template: ScoringTemplate
        let modelPath: String
        var engineSettings = options.engine
        do {
            identity = try setup.identity()
            engineSettings.head = try setup.head()
            config = try setup.config(head: engineSettings.head)
            template = try setup.template()
            modelPath = try setup.modelPath()
        } catch {
            throw .router(error)
        }
        var recorder: RecordWriter?
        if let recording = options.recording {
            do {
                recorder = try RecordWriter(options: recording)
            } catch {
                throw .recording(error)
            }
        }
        var settings = ServiceSettings(
            config: config, defaultTimeoutMs: options.defaultTimeoutMs, modelPath: modelPath,
            templateName: template.name, engine: engineSettings, limits: options.limits,
            authenticator: authenticator, publicMetrics: options.publicMetrics,
            verdictCacheEntries: options.verdictCacheEntries, verdictCacheTimeToLive: options.verdictCacheTimeToLive,
            recorder: recorder)
        settings.sessions = options.sessions
        settings.sessionTimeToLive = options.sessionTimeToLive
        service = RouterService(settings: settings)
        do {
            server = try HTTPServer(address: options.address, handler: handler(service), limits: options.limits)
        } catch {
            throw .socket(error)
        }
        service.reportServerStatistics { [server] in server.statistics }
        server.start()
        let thread = Thread { [self] in
            let start = ContinuousClock.now
            let result: Result<Duration, RouterError>
            do throws(RouterError) {
                let engine = try ScoringEngine(model: setup.loadModel(), template: template,
                                                      settings: setup.withPrefixStore(service.settings.engine))
                service.becomeReady(engine)
                result = .success(ContinuousClock.now - start)
            } catch {
                service.fail(error.description)
                result = .failure(error)
            }
            loadResult.withLock { $0 = result }
            loading.signal()
        }
        thread.name = "causal-router-loader"
        thread.start()
    }

    /// Blocks until the model is loaded (its load time) or failed to load.
    public func waitUntilLoaded() -> Result<Duration, RouterError> {
        loading.wait()
        loading.signal()
        return loadResult.withLock { $0! }
    }

    /// Re-reads the routing config file with the start-up precedence (`RouterSetup.config(head:)`:
    /// --threshold, else the head's threshold, over the file's) and swaps it in atomically; on
    /// error the config in force stays. Requests being answered keep the config they started with.
    /// The verdict cache is kept: it holds distributions, and the route is recomputed from the
    /// config in force on every hit (the head is re-read by `reloadHead`, which empties it).
    @discardableResult
    public func reloadConfig() -> Result<RoutingConfig, RouterError> {
        do {
            let config = try setup.config(head: service.head)
            service.replaceConfig(config)
            service.recordConfigReload(succeeded: true)
            return .success(config)
        } catch {
            service.recordConfigReload(succeeded: false)
            return .failure(error)
        }
    }

    /// Re-reads the head file in use (`--head FILE`, else the shipped head that matched at start)
    /// and swaps it in when it changed (`RouterService.replaceHead`: the verdict cache is emptied,
    /// the head's threshold applies unless --threshold was given). A file that cannot be read, was
    /// fitted for another model or template, or reads features the running engine does not is
    /// refused and the head in force stays. Without a head (zero-shot) there is nothing to re-read.
    @discardableResult
    public func reloadHead() -> HeadReload {
        let result = swapHeadIfChanged()
        service.recordHeadReload(result.metricLabel)
        return result
    }

    private func swapHeadIfChanged() -> HeadReload {
        let current = service.head
        guard current != nil || setup.options.headPath != nil else { return .unchanged }
        let path: String
        let head: LabelHead
        do throws(RouterError) {
            if let given = setup.options.headPath { path = given } else { path = try setup.defaultHeadPath() }
            head = try LabelHead.load(path: path)
            try head.check(against: identity, path: path)
        } catch {
            return .refused(error.description)
        }
        let sha256 = head.fileSHA256 ?? ""
        if sha256 == current?.fileSHA256 { return .unchanged }
        do throws(RouterError) {
            try service.replaceHead(head, config: setup.config(head: head))
        } catch {
            return .refused(error.description)
        }
        return .swapped(name: head.name, sha256: sha256, path: path)
    }

    /// Stops accepting, answers what is in flight, waits for a model still loading, then stops
    /// the engine and writes the records still queued (`--record`). The wait is there because a `serve` told to stop during the load would
    /// otherwise exit while the loader thread is inside llama.cpp, whose static destructors then
    /// run under it (a crash at exit); it also stops an engine that came up during shutdown.
    /// `beforeClosingRecords` runs once no request is in flight (the proxy stops its shadows there).
    public func stop(timeout: Duration = .seconds(30), beforeClosingRecords: () -> Void = {}) {
        server.shutdown(timeout: timeout)
        _ = waitUntilLoaded()
        service.engine?.shutdown()
        beforeClosingRecords()
        service.settings.recorder?.close()
    }
}
