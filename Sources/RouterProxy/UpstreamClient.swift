import Locking
import RouterCore

/// The proxy's HTTP client: a pool of libcurl transfers (`CurlTransfer`), one checked out per
/// exchange on the calling worker thread and put back after, so connections to the upstreams
/// stay open between requests. Never used on the inference thread.
public final class UpstreamClient: Sendable {
    private let idle = Lock<[CurlTransfer]>([])
    private let maxIdle: Int

    public init(maxIdle: Int = 64) {
        self.maxIdle = maxIdle
    }

    /// One exchange (see `CurlTransfer.perform`).
    func exchange(_ request: UpstreamRequest, onHead: @escaping (UpstreamResponseHead) -> BodyHandling = { _ in .collect },
                  onChunk: @escaping ([UInt8]) -> Bool = { _ in true },
                  isAbandoned: () -> Bool = { false }) -> Result<UpstreamReply, UpstreamFailure> {
        guard let transfer = idle.withLock({ $0.popLast() }) ?? CurlTransfer() else {
            return .failure(.transport(CurlTransfer.unavailability ?? "libcurl could not be initialised"))
        }
        defer {
            idle.withLock { pool in
                if pool.count < maxIdle { pool.append(transfer) }
            }
        }
        return transfer.perform(request, onHead: onHead, onChunk: onChunk, isAbandoned: isAbandoned)
    }
}
