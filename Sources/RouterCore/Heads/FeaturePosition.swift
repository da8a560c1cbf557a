/// Where a learned head reads the final hidden state and the label logits.
public enum FeaturePosition: String, Codable, Equatable, Hashable, Sendable {
    /// After the template's suffix, where the zero-shot label digit comes next (the default).
    case label
    /// At the query's last token: nothing after the query is decoded, so a query costs the
    /// template's suffix less (about 10 tokens), and the zero-shot label logits read there are
    /// features, not a label distribution.
    case queryEnd = "query_end"
}
