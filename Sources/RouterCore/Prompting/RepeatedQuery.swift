/// A query that is one text typed several times ("X X X", "X\nX"), read as that text once.
///
/// Repeating a question does not make it harder, but it lengthens the prompt the scoring model
/// reads and moves verdicts (docs/reliability.md measures how many). The scorer reads
/// the first copy instead. Copies are compared word by word with any run of whitespace between
/// words counting as one separator, so "X\n\nX" and "X X" both collapse; the first copy keeps its
/// own spacing. Anything else between the copies ("X. Again: X") is not touched.
public enum RepeatedQuery {
    /// The first copy when `query` is 2 or more identical copies of one text, else `query`.
    public static func collapsed(_ query: String) -> String {
        var ranges: [Range<String.Index>] = []
        var index = query.startIndex
        while index < query.endIndex {
            guard !query[index].isWhitespace else {
                index = query.index(after: index)
                continue
            }
            var end = index
            while end < query.endIndex && !query[end].isWhitespace { end = query.index(after: end) }
            ranges.append(index..<end)
            index = end
        }
        let count = ranges.count
        guard count >= 2 else { return query }
        let words = ranges.map { query[$0] }
        for period in 1...(count / 2) where count % period == 0 {
            if (period..<count).allSatisfy({ words[$0] == words[$0 % period] }) {
                return String(query[ranges[0].lowerBound..<ranges[period - 1].upperBound])
            }
        }
        return query
    }
}
