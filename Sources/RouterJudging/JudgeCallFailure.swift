/// Why a judge call brought no reply to read.
public enum JudgeCallFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The judge could not be reached or is overloaded (connection, timeout, 5xx, 408, 429): worth
    /// retrying, and no fault of the record.
    case unavailable(String)
    /// The judge answered this request with an error (another 4xx) or with something that is not
    /// a chat completion: the record goes to the errors file.
    case refused(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): "the judge is unavailable: \(reason)"
        case .refused(let reason): "the judge refused the request: \(reason)"
        }
    }
}
