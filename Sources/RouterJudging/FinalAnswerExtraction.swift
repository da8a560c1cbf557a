import Foundation

/// Reads the final answer out of a model's free-text answer, for grading against a reference:
/// a number (GSM8K-style) or a multiple-choice letter (MMLU-style). Pure: no I/O, no state.
public enum FinalAnswerExtraction {
    /// A number as written: an optional minus (not one between two numbers, "16-3"), digits with
    /// optional thousands separators ("1,234"), an optional decimal part.
    private static let number = try! NSRegularExpression(pattern: #"(?:(?<![\w)])-)?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"#)
    private static let hashes = try! NSRegularExpression(pattern: #"####\s*([^\n]*)"#)
    private static let boxed = try! NSRegularExpression(pattern: #"\\boxed\s*\{([^{}]*)\}"#)

    /// The answer's final number: after the last "#### ", else inside the last `\boxed{}`, else the
    /// last number in the text. Thousands separators are removed. Nil when there is none.
    public static func finalNumber(in answer: String) -> Double? {
        for marker in [hashes, boxed] {
            if let inner = lastCapture(of: marker, in: answer), let value = lastNumber(in: inner) { return value }
        }
        return lastNumber(in: answer)
    }

    /// The last number in `text`, or nil.
    public static func lastNumber(in text: String) -> Double? {
        let ns = text as NSString
        guard let match = number.matches(in: text, range: NSRange(location: 0, length: ns.length)).last else { return nil }
        return Double(ns.substring(with: match.range).replacingOccurrences(of: ",", with: ""))
    }

    /// "answer is (C)", "Answer: C", "the correct option is C."; the last one counts.
    private static let statedChoice = try! NSRegularExpression(
        pattern: #"(?i:answer|option|choice)(?:\s+(?i:is|would be|should be))?\s*[:：]?\s*(?i:option\s+)?\(?([A-E])\)?(?![\w'])"#)
    /// The whole answer is a letter: "C", "(C)", "C.", "C)", "**C**".
    private static let loneChoice = try! NSRegularExpression(pattern: #"^[\s*]*\(?([A-E])\)?[.:]?[\s*]*$"#)
    /// The answer starts with its letter: "(B) 42", "B. Paris", "B) ...".
    private static let leadingChoice = try! NSRegularExpression(pattern: #"^[\s*]*(?:\(([A-E])\)|([A-E])[.):])\s"#)

    /// The answer's multiple-choice letter (A-E): a lone letter, `\boxed{C}`, a stated "answer is
    /// C" (the last one), or a letter the answer starts with. Nil when it gives none.
    public static func finalChoice(in answer: String) -> Character? {
        for pattern in [loneChoice, boxed, statedChoice] {
            if let letter = lastCapture(of: pattern, in: answer), let choice = loneLetter(letter) { return choice }
        }
        let ns = answer as NSString
        if let match = leadingChoice.firstMatch(in: answer, range: NSRange(location: 0, length: ns.length)) {
            for group in 1...2 where match.range(at: group).location != NSNotFound {
                return Character(ns.substring(with: match.range(at: group)))
            }
        }
        return nil
    }

    /// `text` is one letter A-E, possibly in parentheses or with a full stop.
    static func loneLetter(_ text: String) -> Character? {
        let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: " \t\n().*:"))
        guard trimmed.count == 1, let letter = trimmed.first, "ABCDE".contains(letter) else { return nil }
        return letter
    }

    /// The first capture group of the last match, or nil.
    private static func lastCapture(of pattern: NSRegularExpression, in text: String) -> String? {
        let ns = text as NSString
        guard let match = pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)).last,
              match.range(at: 1).location != NSNotFound else { return nil }
        return ns.substring(with: match.range(at: 1))
    }
}
