/// What a learned head is trained to predict.
public enum HeadTarget: String, Sendable, CaseIterable {
    /// The 1-5 label itself.
    case label
    /// Whether the weak model is good enough (label >= 4), as the two labels 5 and 1: the
    /// head's strong-model win rate is then P(weak model not good enough).
    case weakOK = "weak_ok"
    /// Whether the strong model is clearly better (label <= 2), as the labels 1 and 5: the
    /// head's strong-model win rate is then P(the strong model clearly wins). Rows where both
    /// models fail alike (label 3) count as "weak is enough": routing them changes nothing.
    case strongBetter = "strong_better"

    /// The class a row with `label` is trained on.
    public func trainingLabel(for label: Int) -> Int {
        switch self {
        case .label: return label
        case .weakOK: return label >= 4 ? 5 : 1
        case .strongBetter: return label <= 2 ? 1 : 5
        }
    }
}
