import LlamaKit

/// The vocabulary ids of the five label tokens "1" ... "5".
public struct LabelTokens: Equatable, Sendable {
    public let ids: [LlamaToken]

    public init(ids: [LlamaToken]) {
        precondition(ids.count == LabelDistribution.labels.count, "one token per label")
        self.ids = ids
    }

    /// The five label tokens' logits out of a vocabulary-sized logit vector.
    public func logits(in vocabularyLogits: UnsafeBufferPointer<Float>) -> [Float] {
        ids.map { vocabularyLogits[Int($0)] }
    }

    /// Finds each digit as the model spells it: the digit tokenized alone when that is one token
    /// whose text is exactly the digit, else the vocabulary entry whose text is exactly the digit.
    public static func resolve(in vocab: LlamaVocab) throws(RouterError) -> LabelTokens {
        var ids: [LlamaToken] = []
        var scanned: [String: LlamaToken]?
        for digit in LabelDistribution.labels {
            let text = String(digit)
            if let tokens = try? vocab.tokenize(text, addSpecial: false, parseSpecial: false),
               tokens.count == 1, vocab.piece(of: tokens[0]) == text {
                ids.append(tokens[0])
                continue
            }
            if scanned == nil {
                var table: [String: LlamaToken] = [:]
                for token in 0..<LlamaToken(vocab.count) {
                    let piece = vocab.piece(of: token)
                    if piece.count == 1, let d = Int(piece), LabelDistribution.labels.contains(d), table[piece] == nil {
                        table[piece] = token
                    }
                }
                scanned = table
            }
            guard let id = scanned?[text] else { throw .labelTokenMissing(digit: digit) }
            ids.append(id)
        }
        return LabelTokens(ids: ids)
    }
}
