import HTTPTransport

/// A proxied request the proxy answers itself, with an OpenAI-style error body.
enum ProxyError: HTTPResponseError, Sendable {
    case invalidRequest(String)
    case unknownModel(String)
    /// No upstream could answer: each attempted tier and why.
    case upstreamsUnavailable([(tier: String, failure: String)])

    var status: Int {
        switch self {
        case .invalidRequest: 400
        case .unknownModel: 404
        case .upstreamsUnavailable: 502
        }
    }

    var errorType: String {
        switch self {
        case .invalidRequest: "invalid_request_error"
        case .unknownModel: "model_not_found"
        case .upstreamsUnavailable: "upstream_unavailable"
        }
    }

    var message: String {
        switch self {
        case .invalidRequest(let message):
            message
        case .unknownModel(let model):
            "the model \"\(model)\" does not exist here; GET /v1/models lists \"router\" and the upstream models"
        case .upstreamsUnavailable(let attempts):
            "no upstream could answer (\(attempts.map { "\($0.tier): \($0.failure)" }.joined(separator: "; ")))"
        }
    }
}
