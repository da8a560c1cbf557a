import LlamaKit

/// Text to tokens and back, as the scoring model sees it.
public protocol Tokenizing: Sendable {
    /// Tokens of `text`, never adding BOS/EOS. `parseSpecial` reads special-token text (template
    /// markup such as `<|im_start|>`) as those tokens; off for user text, which must never inject markup.
    func tokens(of text: String, parseSpecial: Bool) throws(RouterError) -> [LlamaToken]
    func text(of tokens: [LlamaToken]) throws(RouterError) -> String
    /// The BOS token when the model adds one to every prompt.
    var addedBeginningOfSequence: LlamaToken? { get }
}

extension LlamaVocab: Tokenizing {
    public func tokens(of text: String, parseSpecial: Bool) throws(RouterError) -> [LlamaToken] {
        do {
            return try tokenize(text, addSpecial: false, parseSpecial: parseSpecial)
        } catch {
            throw .llama(error)
        }
    }

    public func text(of tokens: [LlamaToken]) throws(RouterError) -> String {
        do {
            return try detokenize(tokens)
        } catch {
            throw .llama(error)
        }
    }

    public var addedBeginningOfSequence: LlamaToken? {
        addsBeginningOfSequence ? beginningOfSequence : nil
    }
}
