import Foundation

/// A record's reference answer, as `judge --reference` grades by it: a number (compared
/// numerically with each answer's final number) or a multiple-choice letter A-E.
public enum ReferenceAnswer: Equatable, Sendable {
    case number(Double)
    case choice(Character)

    /// Reads a reference: a letter ("C", "(C)") or a number ("18", "1,234", "$18.00", "-3.5");
    /// nil for anything else (free text cannot be graded by exact match).
    public init?(_ text: String) {
        if let letter = FinalAnswerExtraction.loneLetter(text) {
            self = .choice(letter)
            return
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            .trimmingCharacters(in: CharacterSet(charactersIn: "$€£%."))
            .replacingOccurrences(of: ",", with: "")
        guard let value = Double(trimmed), value.isFinite else { return nil }
        self = .number(value)
    }

    /// What `answer` gives as its final answer, as text for the output row; nil when it gives none.
    public func extracted(from answer: String) -> String? {
        switch self {
        case .number:
            return FinalAnswerExtraction.finalNumber(in: answer).map { value in
                value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
            }
        case .choice:
            return FinalAnswerExtraction.finalChoice(in: answer).map(String.init)
        }
    }

    /// Whether `answer`'s final answer is this one (an answer that gives none is wrong).
    public func isAnswered(by answer: String) -> Bool {
        switch self {
        case .number(let reference):
            guard let value = FinalAnswerExtraction.finalNumber(in: answer) else { return false }
            return abs(value - reference) <= 1e-6 * max(1, abs(reference))
        case .choice(let letter):
            return FinalAnswerExtraction.finalChoice(in: answer) == letter
        }
    }

    /// The 1-5 label on data/README.md's `correct` scale: 5 the weak answer is right, 3 both are
    /// wrong, 1 only the strong one is right.
    public static func label(strongCorrect: Bool, weakCorrect: Bool) -> Int {
        if weakCorrect { return 5 }
        return strongCorrect ? 1 : 3
    }
}
