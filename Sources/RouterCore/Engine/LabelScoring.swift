/// Anything that predicts the 1-5 label distribution of a query.
public protocol LabelScoring: AnyObject {
    /// The name of the template in use (for verdicts).
    var templateName: String { get }
    func score(_ query: String) throws(RouterError) -> ScoredQuery
}
