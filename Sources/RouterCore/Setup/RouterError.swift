import LlamaKit

/// Errors of the router's core, each rendered as one line for a person to act on.
public enum RouterError: Error, Equatable, Sendable {
    case emptyQuery
    case templateNotFound(path: String)
    case templateInvalid(path: String, reason: String)
    case configNotFound(path: String)
    case configInvalid(path: String, reason: String)
    case thresholdOutOfRange(Double)
    case modelNotInstalled(name: String, path: String, fix: String)
    case modelCorrupt(path: String, reason: String, fix: String)
    case unknownModelName(String, known: [String])
    case labelTokenMissing(digit: Int)
    case promptTooLong(fixedTokens: Int, contextLength: Int)
    case catalogInvalid(path: String, reason: String)
    case invalidConversation(String)
    case overloaded(queueLimit: Int)
    /// The work queued ahead says the query would be scored only after its deadline.
    case wouldMissDeadline(estimatedMs: Int, budgetMs: Int)
    case shuttingDown
    case fileUnreadable(path: String)
    case earlyExitFailed(String)
    case quantizationFailed(String)
    case headInvalid(path: String, reason: String)
    case featuresInvalid(spec: String, reason: String)
    case headMismatch(path: String, what: String, expected: String, actual: String)
    case llama(LlamaError)
}

extension RouterError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .emptyQuery:
            return "the query is empty"
        case .templateNotFound(let path):
            return "template file not found: \(path)"
        case .templateInvalid(let path, let reason):
            return "invalid template \(path): \(reason)"
        case .configNotFound(let path):
            return "config file not found: \(path)"
        case .configInvalid(let path, let reason):
            return "invalid config \(path): \(reason)"
        case .thresholdOutOfRange(let value):
            return "threshold must be between 0 and 1, got \(value)"
        case .modelNotInstalled(let name, let path, let fix):
            return "model '\(name)' is not installed (\(path) is missing); run `\(fix)`"
        case .modelCorrupt(let path, let reason, let fix):
            return "model file \(path) is corrupt (\(reason)); run `\(fix)`"
        case .unknownModelName(let name, let known):
            return "no model file or catalog entry named '\(name)' (catalog: \(known.joined(separator: ", ")))"
        case .labelTokenMissing(let digit):
            return "the model's vocabulary has no single token for the label \"\(digit)\""
        case .promptTooLong(let fixed, let context):
            return "the template alone needs \(fixed) tokens, more than the context of \(context); raise --ctx"
        case .catalogInvalid(let path, let reason):
            return "invalid model catalog \(path): \(reason)"
        case .invalidConversation(let reason):
            return reason
        case .overloaded(let limit):
            return "the scoring queue is full (\(limit) waiting)"
        case .wouldMissDeadline(let estimate, let budget):
            return "the query would be scored in about \(estimate) ms, after its deadline of \(budget) ms"
        case .shuttingDown:
            return "the router is shutting down"
        case .fileUnreadable(let path):
            return "cannot read \(path)"
        case .earlyExitFailed(let reason):
            return reason
        case .quantizationFailed(let reason):
            return reason
        case .headInvalid(let path, let reason):
            return "invalid head file \(path): \(reason)"
        case .featuresInvalid(let spec, let reason):
            return "invalid --features '\(spec)': \(reason)"
        case .headMismatch(let path, let what, let expected, let actual):
            return "head \(path) was trained for another \(what) (SHA-256 \(expected.prefix(12))..., running \(actual.prefix(12))...); "
                + "train one for this \(what) with `causal-router train`"
        case .llama(let error):
            return error.description
        }
    }
}
