import Foundation

/// One pairwise verdict of the LLM judge, Arena-Hard style: `[[A>>B]]`, `[[A>B]]`, `[[A=B]]`,
/// `[[B>A]]`, `[[B>>A]]` (also written the other way round, `[[B<A]]`, `[[B=A]]`, with spaces).
public enum JudgeVerdict: Int, Sendable, CaseIterable {
    case bMuchBetter = -2, bBetter = -1, tie = 0, aBetter = 1, aMuchBetter = 2

    /// How much better answer A is than answer B, -2...2.
    public var preferenceForA: Int { rawValue }

    /// The canonical token without brackets: "A>>B", "A>B", "A=B", "B>A", "B>>A".
    public var token: String {
        switch self {
        case .aMuchBetter: "A>>B"
        case .aBetter: "A>B"
        case .tie: "A=B"
        case .bBetter: "B>A"
        case .bMuchBetter: "B>>A"
        }
    }

    /// The verdict's d, weak minus strong (-2...2), when the strong answer was shown as A or as B.
    public func weakMinusStrong(strongIsA: Bool) -> Int {
        strongIsA ? -preferenceForA : preferenceForA
    }

    public init?(token: String) {
        guard let verdict = Self.allCases.first(where: { $0.token == token }) else { return nil }
        self = verdict
    }

    private static let pattern = try! NSRegularExpression(pattern: #"\[\[\s*([AB])\s*(>>|>|=|<<|<)\s*([AB])\s*\]\]"#)

    /// The last verdict token in a judge's reply (the reason comes first and may quote the scale),
    /// or nil when it holds none.
    public static func last(in reply: String) -> JudgeVerdict? {
        let text = reply as NSString
        for match in pattern.matches(in: reply, range: NSRange(location: 0, length: text.length)).reversed() {
            let left = text.substring(with: match.range(at: 1)), relation = text.substring(with: match.range(at: 2))
            let right = text.substring(with: match.range(at: 3))
            guard left != right else { continue }
            var strength: Int
            switch relation {
            case ">>": strength = 2
            case ">": strength = 1
            case "=": strength = 0
            case "<": strength = -1
            default: strength = -2
            }
            // "B>A" is A's preference negated.
            if left == "B" { strength = -strength }
            return JudgeVerdict(rawValue: strength)
        }
        return nil
    }
}
