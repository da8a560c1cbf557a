import CLlama
import Foundation

/// A loaded GGUF model: the single owner of a `llama_model`, freed in `deinit`.
/// The weights are read-only after loading, so one model may back several contexts.
public final class LlamaModel: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The file the model was loaded from.
    public let path: String
    /// Tokenizer and vocabulary of this model.
    public var vocab: LlamaVocab { LlamaVocab(model: self) }

    /// Loads a GGUF file. Checks the file before llama.cpp sees it, so the common mistakes
    /// (wrong path, not a GGUF file) are reported as such.
    /// - Parameters:
    ///   - gpuLayers: layers to offload to an accelerator; 0 keeps everything on the CPU.
    ///   - vocabularyOnly: load the tokenizer and metadata but no weights (cannot run a context).
    ///   - memoryMapped: map the file instead of reading it (pages shared with other processes,
    ///     but doubled where llama.cpp repacks weights).
    public init(path: String, gpuLayers: Int = 0, vocabularyOnly: Bool = false, memoryMapped: Bool = false) throws(LlamaError) {
        try Self.checkFile(at: path)

        LlamaBackend.initialize()
        var params = llama_model_default_params()
        params.n_gpu_layers = Int32(clamping: gpuLayers)
        params.vocab_only = vocabularyOnly
        // Read into memory, not mapped: llama.cpp's CPU backend copies the weights it repacks for
        // its fast kernels (IQ4_NL, Q4_0, K-quants) out of the file, and a mapping would keep the
        // original pages resident beside the copies (the default model's peak RSS: 241 MiB mapped,
        // 186 MiB read; docs/measurements.md).
        params.load_mode = memoryMapped ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE
        guard let model = llama_model_load_from_file(path, params) else { throw .modelLoadFailed(path: path) }
        self.pointer = model
        self.path = path
    }

    deinit {
        llama_model_free(pointer)
    }

    /// The common mistakes (wrong path, a folder, not a GGUF file), reported as such before
    /// llama.cpp sees the file.
    static func checkFile(at path: String) throws(LlamaError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .modelFileNotFound(path: path)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .modelFileUnreadable(path: path) }
        let magic = (try? handle.read(upToCount: 4)) ?? nil
        try? handle.close()
        guard magic == Data("GGUF".utf8) else { throw .notGGUF(path: path) }
    }

    /// Width of the hidden state (embedding size).
    public var embeddingSize: Int { Int(llama_model_n_embd(pointer)) }
    /// Transformer blocks (layers).
    public var blockCount: Int { Int(llama_model_n_layer(pointer)) }
    /// Context length the model was trained with.
    public var trainingContextLength: Int { Int(llama_model_n_ctx_train(pointer)) }
    /// Size of the weights in bytes.
    public var sizeInBytes: UInt64 { llama_model_size(pointer) }

    /// A one-line description from llama.cpp, e.g. "llama ?B Q4_1".
    public var summary: String {
        var buffer = [CChar](repeating: 0, count: 256)
        let n = llama_model_desc(pointer, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    }

    /// The model's built-in chat template (Jinja source), if the GGUF carries one.
    public var chatTemplate: String? {
        guard let template = llama_model_chat_template(pointer, nil) else { return nil }
        return String(cString: template)
    }

    /// A metadata value (e.g. "general.architecture"), if the GGUF has it.
    public func metadata(_ key: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 512)
        let n = llama_model_meta_val_str(pointer, key, &buffer, buffer.count)
        guard n >= 0 else { return nil }
        return String(decoding: buffer.prefix(min(Int(n), buffer.count - 1)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// llama.cpp's built-in format for a model family whose GGUF carries no chat template
    /// (some Gemma conversions do): the family's own turn markers, never a guess across families.
    private var fallbackChatTemplate: String? {
        guard let architecture = metadata("general.architecture") else { return nil }
        return architecture.hasPrefix("gemma") ? "gemma" : nil
    }

    /// Formats `messages` with the model's chat template. With `addAssistantPrompt` the text
    /// ends where the assistant's reply begins.
    public func applyChatTemplate(_ messages: [LlamaChatMessage], addAssistantPrompt: Bool) throws(LlamaError) -> String {
        let builtIn = llama_model_chat_template(pointer, nil).map { String(cString: $0) }
        guard let template = builtIn ?? fallbackChatTemplate else { throw .chatTemplateMissing }
        // strdup'd C strings stay valid for the whole call.
        let roles = messages.map { strdup($0.role) }
        let contents = messages.map { strdup($0.content) }
        defer {
            roles.forEach { free($0) }
            contents.forEach { free($0) }
        }
        let chat = zip(roles, contents).map { llama_chat_message(role: $0, content: $1) }
        var capacity = max(1024, messages.reduce(0) { $0 + $1.role.utf8.count + $1.content.utf8.count } * 2 + 512)
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let n = llama_chat_apply_template(template, chat, chat.count, addAssistantPrompt, &buffer, Int32(clamping: capacity))
            if n < 0 { throw .chatTemplateUnsupported }
            if Int(n) <= capacity {
                return String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity = Int(n)
        }
    }
}
