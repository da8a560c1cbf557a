import Foundation
import RouterCore

/// Hidden states and label logits of prompts, through the feature cache: only prompts never
/// seen before reach the engine (created on first need, with `hiddenState` on). New features
/// are stored every few hundred prompts, so a killed extraction keeps what it computed.
public final class FeatureExtractor {
    public let cache: FeatureCache
    private let makeEngine: () throws(RouterError) -> ScoringEngine
    private var engine: ScoringEngine?
    /// Prompts scored between two cache writes.
    public var storeEvery = 256

    public init(cache: FeatureCache, makeEngine: @escaping () throws(RouterError) -> ScoringEngine) {
        self.cache = cache
        self.makeEngine = makeEngine
    }

    /// The extractor of what `features` reads with `model`: the engine reads the hidden state,
    /// the pooled blocks and the position those features need (the template's prefix state saved
    /// under `locator`), and the cache is `cacheDirectory`'s file for them.
    public convenience init(reading features: HeadFeatures, model: LazyModel, identity: ScoringIdentity, template: ScoringTemplate,
                            settings: ScoringEngineSettings, cacheDirectory: String, locator: ResourceLocator) throws {
        var settings = settings
        settings.prefixStore = PrefixStateStore(locator: locator, modelSHA256: identity.modelSHA256)
        settings.hiddenState = true
        settings.pooledBlocks = features.pooledBlocks
        settings.endsAtQuery = features.endsAtQuery
        self.init(cache: try FeatureCache(directory: cacheDirectory, identity: identity, contextLength: settings.contextLength,
                                          batchSize: settings.batchSize, pooledBlocks: settings.pooledBlocks,
                                          endsAtQuery: settings.endsAtQuery)) { [settings] () throws(RouterError) in
            try ScoringEngine(model: model.model(), template: template, settings: settings)
        }
    }

    deinit {
        engine?.shutdown()
    }

    /// The entries of `prompts` (same order). `progress(done, missing)` reports the forward passes.
    public func entries(for prompts: [String], progress: ((Int, Int) -> Void)? = nil) throws -> [FeatureCache.Entry] {
        var seen = Set<String>()
        let missing = prompts.filter { cache[$0] == nil && seen.insert($0).inserted }
        if !missing.isEmpty {
            let engine = try self.engine ?? makeEngine()
            self.engine = engine
            precondition(engine.settings.readsHiddenState && engine.settings.readsBlocks == cache.pooledBlocks
                            && engine.settings.scoresAtQueryEnd == cache.endsAtQuery,
                         "feature extraction needs an engine that reads the hidden state, the cache's pooled blocks and position")
            var index = 0
            while index < missing.count {
                let chunk = Array(missing[index..<min(missing.count, index + storeEvery)])
                let start = ContinuousClock.now
                let done = index
                let scored = try engine.scoreAll(chunk) { progress?(done + $0, missing.count) }
                // Stored as Float32: rounded the same way now, so a cached re-run prints the same figures.
                let milliseconds = Double(Float((ContinuousClock.now - start).milliseconds / Double(chunk.count)))
                try cache.store(zip(chunk, scored).map { prompt, query in
                    (prompt, FeatureCache.Entry(pooledStates: query.pooledStates ?? [], hiddenState: query.hiddenState!,
                                                labelLogits: query.labelLogits!,
                                                promptStatistics: query.promptStatistics ?? [], milliseconds: milliseconds))
                })
                index += chunk.count
            }
        }
        return prompts.map { cache[$0]! }
    }
}
