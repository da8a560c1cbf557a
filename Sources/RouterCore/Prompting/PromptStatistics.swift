import Foundation

/// Counts of a query's text that a head may read beside the model's features: how long it is
/// and what it is made of. Each is log-scaled or a fraction, so no single long query dominates.
public enum PromptStatistics {
    /// The values, in order: log(1+characters), log(1+words), log(1+lines), log(1+query tokens),
    /// log(1+question marks), digit share, code-character share, upper-case share.
    public static let count = 8

    public static func of(query: String, tokens: Int) -> [Float] {
        var characters = 0, words = 0, lines = 1, questions = 0, digits = 0, code = 0, upper = 0, letters = 0
        var inWord = false
        for scalar in query.unicodeScalars {
            characters += 1
            let value = scalar.value
            let isSpace = scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
            if isSpace { inWord = false } else if !inWord { inWord = true; words += 1 }
            switch scalar {
            case "\n": lines += 1
            case "?": questions += 1
            case "{", "}", "(", ")", "[", "]", ";", "=", "<", ">", "_", "#", "$", "\\", "/", "*", "`", "|": code += 1
            default: break
            }
            if value >= 48 && value <= 57 { digits += 1 }
            if value >= 65 && value <= 90 { upper += 1; letters += 1 }
            if value >= 97 && value <= 122 { letters += 1 }
        }
        let n = Float(max(1, characters))
        return [log1p(Float(characters)), log1p(Float(words)), log1p(Float(lines)), log1p(Float(tokens)),
                log1p(Float(questions)), Float(digits) / n, Float(code) / n, Float(upper) / Float(max(1, letters))]
    }
}
