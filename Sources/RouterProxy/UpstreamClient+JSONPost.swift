/// The upstream client for callers outside the proxy (`causal-router judge`): one JSON POST to an
/// upstream, with its key, through the same pooled libcurl transfers the proxy uses.
extension UpstreamClient {
    /// POSTs `body` to `path` under `endpoint`'s base URL (e.g. "/chat/completions"): the answer's
    /// status and body, or why no complete answer came.
    public func postJSON(_ body: [UInt8], to endpoint: UpstreamEndpoint, path: String,
                         timeouts: UpstreamTimeouts) -> Result<(status: Int, body: [UInt8]), UpstreamFailure> {
        let request = UpstreamRequest(url: endpoint.url(path), body: body, apiKey: endpoint.apiKey?.value, timeouts: timeouts)
        return exchange(request).map { (status: $0.head.status, body: $0.body) }
    }
}
