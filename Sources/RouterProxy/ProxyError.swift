import RouterServer

/// A proxied request the proxy answers itself, with an OpenAI-style error body.
enum ProxyError: Error, Sendable {
    case invalidRequest(String)
    case unknownModel(String)
    /// No upstream could answer: each attempted tier and why.
    case upstreamsUnavailable([(tier: String, failure: String)])

    var response: HTTPResponse {
        switch self {
        case .invalidRequest(let message):
            return .error(400, message, type: "invalid_request_error")
        case .unknownModel(let model):
            return .error(404, "the model \"\(model)\" does not exist here; GET /v1/models lists \"router\" and the upstream models",
                          type: "model_not_found")
        case .upstreamsUnavailable(let attempts):
            let detail = attempts.map { "\($0.tier): \($0.failure)" }.joined(separator: "; ")
            return .error(502, "no upstream could answer (\(detail))", type: "upstream_unavailable")
        }
    }
}
