import LlamaKit

/// Sizing of the batched scoring engine.
public struct ScoringEngineSettings: Equatable, Sendable {
    /// Queries decoded together at most (each on its own sequence).
    public var parallel: Int = 8
    /// Tokens of one request's prompt (template and query), as `route --ctx`; longer queries
    /// are truncated to fit. Each sequence holds the part after the shared prefix.
    public var contextLength: Int = 1024
    /// Most tokens in one decode call.
    public var batchSize: Int = 512
    /// Queries waiting for a free sequence at most; more are refused as overloaded.
    public var maxQueue: Int = 256
    public var threads: Int = LlamaContextConfiguration.defaultThreads

    public init(parallel: Int = 8, contextLength: Int = 1024, batchSize: Int = 512, maxQueue: Int = 256,
                threads: Int = LlamaContextConfiguration.defaultThreads) {
        self.parallel = parallel
        self.contextLength = contextLength
        self.batchSize = batchSize
        self.maxQueue = maxQueue
        self.threads = threads
    }
}
