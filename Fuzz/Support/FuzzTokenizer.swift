import LlamaKit
import RouterCore

/// One token per Unicode scalar, so conversation truncation runs without a model.
public struct FuzzTokenizer: Tokenizing {
    public init() {}

    public var addedBeginningOfSequence: LlamaToken? { nil }

    public func tokens(of text: String, parseSpecial: Bool) throws(RouterError) -> [LlamaToken] {
        text.unicodeScalars.map { LlamaToken(bitPattern: $0.value) }
    }

    public func text(of tokens: [LlamaToken]) throws(RouterError) -> String {
        String(String.UnicodeScalarView(tokens.compactMap { Unicode.Scalar(UInt32(bitPattern: $0)) }))
    }
}
