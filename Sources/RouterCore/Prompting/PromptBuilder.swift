import LlamaKit

/// Turns a query into the scoring prompt of a template.
///
/// The template is rendered once, around a slot for the query, into a fixed prefix and suffix
/// (tokenized with template markup read as special tokens). Each query is tokenized on its own
/// as plain text, so a query can never inject markup, and the prefix is identical for every query.
///
/// Truncation policy: when prefix + query + suffix exceed the context, the query keeps its first
/// and last tokens (half the room each) joined by a " [...] " marker, and the prompt says
/// `truncated`. A template that alone leaves less than `minimumQueryTokens` is refused.
///
/// `endsAtQuery`: the prompt stops at the query's last token (no suffix), for a learned head
/// that reads its features there (`FeaturePosition.queryEnd`).
public struct PromptBuilder: Sendable {
    public static let minimumQueryTokens = 16
    private static let slot = "\u{1}CAUSAL_ROUTER_QUERY_SLOT\u{1}"
    private static let truncationMarker = " [...] "

    public let template: ScoringTemplate
    public let contextLength: Int
    private let tokenizer: any Tokenizing
    private let prefixText: String
    private let suffixText: String
    private let prefixTokens: [LlamaToken]
    private let suffixTokens: [LlamaToken]
    private let markerTokens: [LlamaToken]

    public init(template: ScoringTemplate, formatter: any ChatFormatting, tokenizer: any Tokenizing, contextLength: Int,
                endsAtQuery: Bool = false) throws(RouterError) {
        let rendered: String
        switch template.body {
        case .raw(let text):
            rendered = text.replacingOccurrences(of: ScoringTemplate.placeholder, with: Self.slot)
        case .chat(let system, let user, let assistantPrefix):
            var messages: [LlamaChatMessage] = []
            if let system { messages.append(LlamaChatMessage(role: "system", content: system)) }
            messages.append(LlamaChatMessage(role: "user", content: user.replacingOccurrences(of: ScoringTemplate.placeholder, with: Self.slot)))
            rendered = try formatter.format(messages, addAssistantPrompt: true) + assistantPrefix
        }
        let parts = rendered.components(separatedBy: Self.slot)
        guard parts.count == 2 else {
            throw .templateInvalid(path: template.name, reason: "the model's chat template did not keep the query in place")
        }
        self.template = template
        self.contextLength = contextLength
        self.tokenizer = tokenizer
        self.prefixText = parts[0]
        self.suffixText = endsAtQuery ? "" : parts[1]
        var prefix = try tokenizer.tokens(of: parts[0], parseSpecial: true)
        if let bos = tokenizer.addedBeginningOfSequence, prefix.first != bos {
            prefix.insert(bos, at: 0)
        }
        self.prefixTokens = prefix
        self.suffixTokens = endsAtQuery ? [] : try tokenizer.tokens(of: parts[1], parseSpecial: true)
        self.markerTokens = try tokenizer.tokens(of: Self.truncationMarker, parseSpecial: false)
        let fixed = prefixTokens.count + suffixTokens.count
        guard fixed + Self.minimumQueryTokens + markerTokens.count <= contextLength else {
            throw .promptTooLong(fixedTokens: fixed, contextLength: contextLength)
        }
    }

    /// Tokens of the template before the query: the same for every query.
    public var fixedPrefix: [LlamaToken] { prefixTokens }

    /// Tokens a query may have before it is truncated.
    public var queryRoom: Int { contextLength - prefixTokens.count - suffixTokens.count }

    /// The text of `query` the model scores: typed template and chat markup taken out
    /// (`TypedMarkup`), surrounding whitespace and newlines removed, sentences at its start and
    /// end that claim how hard it is or which model should answer taken out (`DifficultyClaims`),
    /// and a query typed several times over read once (`RepeatedQuery`). Two queries with the
    /// same normalised text get the same prompt, statistics and distribution.
    /// (A query that is nothing but markup is scored as typed, not refused as empty.)
    public static func normalisedQuery(_ query: String) -> String {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        let unmarked = TypedMarkup.removed(from: trimmed).trimmingCharacters(in: .whitespacesAndNewlines)
        let unclaimed = DifficultyClaims.removed(from: unmarked.isEmpty ? trimmed : unmarked)
        return RepeatedQuery.collapsed(unclaimed)
    }

    /// The key score caches file a query's results under: the SHA-256 of the query as given when
    /// the model scores it merely trimmed (so caches written before typed markup and repeats were
    /// normalised stay valid), else of the normalised text, marked, so a stale entry is never read.
    public static func cacheKey(for query: String) -> String {
        let normalised = normalisedQuery(query)
        if normalised == query.trimmingCharacters(in: .whitespacesAndNewlines) { return SHA256.hex(Array(query.utf8)) }
        return SHA256.hex(Array(("normalised:" + normalised).utf8))
    }

    /// The prompt for `query` (`normalisedQuery`; an empty query is an error).
    public func prompt(for query: String) throws(RouterError) -> ScoringPrompt {
        let query = Self.normalisedQuery(query)
        guard !query.isEmpty else { throw .emptyQuery }
        var queryTokens = try tokenizer.tokens(of: query, parseSpecial: false)
        let statistics = PromptStatistics.of(query: query, tokens: queryTokens.count)
        let room = queryRoom
        var queryText = query
        var truncated = false
        if queryTokens.count > room {
            let keep = room - markerTokens.count
            let head = Array(queryTokens.prefix(keep / 2))
            let tail = Array(queryTokens.suffix(keep - keep / 2))
            queryTokens = head + markerTokens + tail
            queryText = try tokenizer.text(of: head) + Self.truncationMarker + tokenizer.text(of: tail)
            truncated = true
        }
        return ScoringPrompt(prefix: prefixTokens, query: queryTokens, suffix: suffixTokens,
                             text: prefixText + queryText + suffixText, truncated: truncated, statistics: statistics)
    }
}
