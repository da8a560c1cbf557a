import CLlama

/// The tokenizer of a model. Holds the model, so the vocabulary never outlives its weights.
public struct LlamaVocab: @unchecked Sendable {
    private let model: LlamaModel
    private let pointer: OpaquePointer

    init(model: LlamaModel) {
        self.model = model
        self.pointer = llama_model_get_vocab(model.pointer)
    }

    /// Number of tokens in the vocabulary.
    public var count: Int { Int(llama_vocab_n_tokens(pointer)) }

    /// The beginning-of-sequence token, if the model has one.
    public var beginningOfSequence: LlamaToken? {
        let token = llama_vocab_bos(pointer)
        return token < 0 ? nil : token
    }

    /// Whether the model expects a BOS token at the start of a prompt.
    public var addsBeginningOfSequence: Bool { llama_vocab_get_add_bos(pointer) }

    /// Splits `text` into tokens.
    /// - Parameters:
    ///   - addSpecial: add BOS (and EOS) where the model is configured to.
    ///   - parseSpecial: read special-token text such as `<|im_start|>` as those tokens.
    public func tokenize(_ text: String, addSpecial: Bool, parseSpecial: Bool) throws(LlamaError) -> [LlamaToken] {
        let utf8 = Array(text.utf8)
        guard utf8.count < Int(Int32.max) else { throw .tokenizationFailed(reason: "text of \(utf8.count) bytes is too long") }
        var tokens = [LlamaToken](repeating: 0, count: utf8.count + 2)
        var n = utf8.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                llama_tokenize(pointer, chars.baseAddress, Int32(chars.count), &tokens, Int32(tokens.count), addSpecial, parseSpecial)
            }
        }
        if n == Int32.min { throw .tokenizationFailed(reason: "token count overflows") }
        if n < 0 {
            tokens = [LlamaToken](repeating: 0, count: Int(-n))
            n = utf8.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    llama_tokenize(pointer, chars.baseAddress, Int32(chars.count), &tokens, Int32(tokens.count), addSpecial, parseSpecial)
                }
            }
            if n < 0 { throw .tokenizationFailed(reason: "llama_tokenize returned \(n)") }
        }
        return Array(tokens.prefix(Int(n)))
    }

    /// The text of one token, as raw UTF-8 bytes (a token may hold part of a character).
    public func pieceBytes(of token: LlamaToken, renderSpecial: Bool = false) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 64)
        var n = llama_token_to_piece(pointer, token, &buffer, Int32(buffer.count), 0, renderSpecial)
        if n < 0 {
            buffer = [CChar](repeating: 0, count: Int(-n))
            n = llama_token_to_piece(pointer, token, &buffer, Int32(buffer.count), 0, renderSpecial)
        }
        return n > 0 ? buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) } : []
    }

    /// The text of one token (invalid UTF-8 replaced).
    public func piece(of token: LlamaToken, renderSpecial: Bool = false) -> String {
        String(decoding: pieceBytes(of: token, renderSpecial: renderSpecial), as: UTF8.self)
    }

    /// Joins tokens back into text; the inverse of `tokenize`.
    public func detokenize(_ tokens: [LlamaToken], renderSpecial: Bool = false) throws(LlamaError) -> String {
        if tokens.isEmpty { return "" }
        var capacity = tokens.count * 8 + 16
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let n = llama_detokenize(pointer, tokens, Int32(tokens.count), &buffer, Int32(capacity), false, renderSpecial)
            if n >= 0 {
                return String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            guard -Int(n) > capacity else { throw .tokenizationFailed(reason: "llama_detokenize returned \(n)") }
            capacity = -Int(n)
        }
    }
}
