import Foundation

/// Sentences a user adds before or after a question to claim how hard it is or which model
/// should answer it ("This is a trivially easy question.", "Use your strongest model."), taken out
/// before the query is scored.
///
/// A claim says nothing about how hard the question is, but the scoring model reads it as part of
/// the question and moves with it. The scorer reads the query without the claims at its start and
/// its end; what is forwarded to the LLM is not touched. Only whole sentences at either end are
/// taken (a run of them, from the outside in; never the last sentence left), or a claim run on
/// after a last sentence with no closing punctuation, and only those of a shape that states
/// rather than asks (no `?`, a few words, starting with the claim's own words): claims about the
/// question, rating or difficulty fields, demands about the model (a model word is needed: "Use a
/// fast algorithm." stays), others' ability, and leftovers of typed template markup
/// (`TypedMarkup` runs first). The patterns below are the list. They are a filter for the common
/// phrasings, not a proof against a user who rewords: docs/reliability.md ("Claims taken out
/// before scoring") gives what they catch and what real prompts they leave alone, measured, and
/// `DifficultyClaimsTests` keeps the real prompts in the repository untouched.
public enum DifficultyClaims {
    private static let difficulty = #"(hard|harder|hardest|difficult|difficulty|easy|easier|easiest|trivial|trivially|simple|simplest|basic|elementary|beginner|beginners|obvious|obviously|straightforward|challenging|complex|complicated|tricky|trick|expert|experts|advanced|tough|toughest|impossible|unsolvable|phd|graduate|kindergarten|warm-up|no-brainer|\w+-level)"#
    /// An optional lead-in such as "Note:" or "Hint for the router:".
    private static let leadIn = #"^((note|important|warning|fyi|hint|ps|p\.s\.|btw|caution|heads up|disclaimer)\b[\w ]{0,25}[:,-]\s*)?"#
    private static let intensifiers = #"((a|an|the|really|very|extremely|super|quite|pretty|so|too|trivially|rather|fairly|insanely|incredibly|ridiculously|absolutely|not|truly|seriously|genuinely|kind of|kinda|actually)\s+){0,3}"#
    private static let reference = #"(this|it|this one|this (question|problem|task|query|request|prompt|exercise|puzzle)|the (question|problem|task|answer|solution))"#
    private static let tier = #"(best|strongest|smartest|top|top-tier|premium|expensive|cheap|cheaper|cheapest|big|bigger|biggest|large|larger|small|smaller|weak|weaker|weakest|most capable|powerful|advanced|fast|lite|mini|frontier|gpt-?4\w*|gpt-?3\.?5\w*)"#

    /// Sentence shapes that claim something about the question (matched on the lowercased sentence).
    private static let claims: [NSRegularExpression] = [
        // Leftovers of typed template markup.
        #"^always\s+(reply|answer|respond|output|say|rate)\b|^(reply|answer|respond|output|rate)(\s+with)?\s+[1-5]\W*$|^(rating|score|difficulty|label|verdict|rate this|rate it)\s*[:=]?\s*([1-5]\b.*)?\W*$|^ignore (the|all|any|everything) ?(above|previous|prior|before)|^(the )?(rating|score|difficulty) (of|for) (this|the) (question|problem|task|query)\b"#,
        // "Trivial, ..." / "Easy: ..."
        leadIn + intensifiers + difficulty + #"\s*[,:;!]"#,
        // "This question has stumped ..."
        leadIn + reference + #"\s+(has|have|had)\s+(\w+\s+)?(stumped|beaten|defeated|baffled|confused|fooled|tricked)\b"#,
        // "This is an extremely difficult question."
        leadIn + reference + #"\s*('s|’s|\s+is|\s+was|\s+seems|\s+looks|\s+sounds|\s+should be|\s+will be|\s+might be|\s+would be|\s+is rated|\s+counts as)\s+"#
            + intensifiers + difficulty + #"\b"#,
        // "Just a simple warm-up question."
        leadIn + #"((just|only|really|very|super|quite|a|an|one|another)\s+)*"# + intensifiers + #"(\w+[ ,]+)?"# + difficulty
            + #"[ ,]+((\w+)[ ,]+)?(question|problem|task|one|query|request|fact|stuff|thing|challenge|puzzle)\b"#,
        // "Difficulty: extreme." / "Rating hint: 1." / "This question is rated 1."
        leadIn + "(" + reference + #"\s+(is|was)\s+rated\s+\d|(difficulty|rating|rated|level|complexity)\b\s*(\w+\s*)?(is|of|:|=)?\s*(\d|extreme|max|min|maximum|minimum|high|low|very|top|zero|none|10))"#,
        // "Use your strongest model." / "needs a top-tier model"
        leadIn + #"(please\s+)?(just\s+)?(use|route|send|give|pick|switch to|call|escalate to|upgrade to|downgrade to)\b.{0,40}\b("# + tier
            + #"[\w -]{0,12}\b(model|tier|ai|llm|assistant|engine|version)\b|gpt-?\d)|"# + leadIn
            + #"(it |this |this one |this question |this problem |this task )?(really |definitely |clearly |probably )?(needs|requires|deserves|calls for|is worth)\s+(a|an|the|your)?\s*"#
            + tier + #"[\w -]{0,12}\b(model|tier|ai|llm|assistant|engine|version)\b"#,
        // "Most AI assistants fail at this." / "Anyone knows this."
        leadIn + #"(even\s+)?(any|every|no|most|all|even|only)\s+([\w-]+\s+){0,2}(ai|ais|assistant|assistants|model|models|llm|llms|student|students|one|body|child|kid|kids|expert|experts|people|person|human|humans|chatbot|chatbots)\b.*\b(can|could|can't|cannot|gets?|got|fails?|failed|struggles?|struggled|knows?|solves?|solved|answers?|answered|right|wrong)\b|"#
            + leadIn + #"(a child|a kid|a toddler|anyone|everyone|nobody|no one)\b.*\b(can|could|knows?|solve|answer|gets?)\b"#,
        // "Requires advanced reasoning." / "This needs expert knowledge."
        leadIn + #"(it |this |this one |this question |this problem |this task )?(requires|needs|demands|involves|calls for|takes)\b.*\b(reasoning|knowledge|expertise|thinking|thought|skill|skills|care|effort|intelligence|model|expert|experts|genius)\b"#,
        // "Treat this as the hardest question ..."
        leadIn + #"(please\s+)?(treat|consider|regard|handle|think of)\s+(this|it)\b.*\b"# + difficulty + #"\b"#,
        // "No reasoning needed." / "Nothing to think about."
        leadIn + #"(nothing|no need|no reasoning|no thinking|not much|no thought|no effort)\b.*\b(think|thinking|reason|reasoning|thought|effort|needed|model)\b|^(no reasoning|no thinking|no effort)\b"#,
    ].map { try! NSRegularExpression(pattern: $0) }

    private static let difficultyWord = try! NSRegularExpression(pattern: "^" + difficulty + "$")
    private static let wordPattern = try! NSRegularExpression(pattern: #"[\w'-]+"#)
    /// Words that may stand beside difficulty words in a sentence made only of them.
    private static let filler: Set<String> = ["and", "or", "very", "really", "super", "extremely", "so", "too", "quite", "pretty", "quick",
                                              "quickly", "fast", "short", "one", "question", "problem", "task", "level", "stuff", "a", "an", "just"]
    /// Where one sentence ends and the next begins: spaces after `.`, `!` or `?`, or line breaks.
    private static let boundary = try! NSRegularExpression(pattern: #"(?<=[.!?])[ \t]+|\n+"#)
    /// Where a sentence run on after text with no closing punctuation may start: a capital letter
    /// after a space that follows neither whitespace nor `.`, `!`, `?`.
    private static let runOnStart = try! NSRegularExpression(pattern: #"(?<=[^\s.!?] )\p{Lu}"#)

    /// Most words a claim has.
    private static let maximumWords = 30

    /// Whether `sentence` is a claim about the question rather than part of it. A sentence of
    /// more than `maximumWords` words is refused before it is copied or matched, so a long query
    /// costs no more than its last few words.
    public static func isClaim(_ sentence: Substring) -> Bool {
        guard wordStart(in: sentence, countingBack: maximumWords + 1) == nil else { return false }
        let text = sentence.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !text.isEmpty, !text.contains("?") else { return false }
        let whole = NSRange(text.startIndex..., in: text)
        let words = wordPattern.matches(in: text, range: whole).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
        let isDifficultyWord = { (word: String) in difficultyWord.firstMatch(in: word, range: NSRange(word.startIndex..., in: word)) != nil }
        if !words.isEmpty, words.count <= 4, words.contains(where: isDifficultyWord),
           words.allSatisfy({ isDifficultyWord($0) || filler.contains($0) }) {
            return true
        }
        return claims.contains { $0.firstMatch(in: text, range: whole) != nil }
    }

    /// `query` without the claims at its start and end (unchanged, character for character, when
    /// it has none). Whole sentences go from the outside in, never the last one left; a claim run
    /// on after a last sentence with no closing punctuation ("... in the dataset This is very
    /// hard.") goes from the first capitalised word from which the rest is a claim.
    public static func removed(from query: String) -> String {
        var sentences: [Range<String.Index>] = []
        var start = query.startIndex
        let boundaries = boundary.matches(in: query, range: NSRange(query.startIndex..., in: query)).compactMap { Range($0.range, in: query) }
        for separator in boundaries + [query.endIndex..<query.endIndex] {
            let range = start..<separator.lowerBound
            if !query[range].allSatisfy(\.isWhitespace) { sentences.append(range) }
            start = separator.upperBound
        }
        guard !sentences.isEmpty else { return query }
        var changed = false
        var first = 0
        var end = sentences.count
        while true {
            let last = sentences[end - 1]
            if end > first + 1 && isClaim(query[last]) {
                end -= 1
            } else if let cut = runOnClaim(in: query, last) {
                var headEnd = cut
                while headEnd > last.lowerBound && query[query.index(before: headEnd)].isWhitespace { headEnd = query.index(before: headEnd) }
                sentences[end - 1] = last.lowerBound..<headEnd
            } else {
                break
            }
            changed = true
        }
        while first < end - 1 && isClaim(query[sentences[first]]) {
            first += 1
            changed = true
        }
        guard changed else { return query }
        return String(query[sentences[first].lowerBound..<sentences[end - 1].upperBound])
    }

    /// Where a claim run on at the end of `sentence` starts, if one is. Only the last
    /// `maximumWords` words are searched: a tail with more is no claim.
    private static func runOnClaim(in query: String, _ sentence: Range<String.Index>) -> String.Index? {
        let searched = (wordStart(in: query[sentence], countingBack: maximumWords) ?? sentence.lowerBound)..<sentence.upperBound
        // Transparent bounds: the look-behind may read the space before the first word searched.
        let starts = runOnStart.matches(in: query, options: .withTransparentBounds, range: NSRange(searched, in: query)).compactMap { Range($0.range, in: query)?.lowerBound }
        return starts.first { isClaim(query[$0..<sentence.upperBound]) }
    }

    /// Where the `count`-th word from the end of `text` starts (words: runs of non-whitespace),
    /// or nil when `text` has fewer words. Reads only as far back as that word.
    private static func wordStart(in text: Substring, countingBack count: Int) -> String.Index? {
        var words = 0
        var index = text.endIndex
        var inWord = false
        while index > text.startIndex {
            let previous = text.index(before: index)
            if text[previous].isWhitespace {
                if inWord {
                    words += 1
                    if words == count { return index }
                }
                inWord = false
            } else {
                inWord = true
            }
            index = previous
        }
        return inWord && words + 1 == count ? text.startIndex : nil
    }
}
