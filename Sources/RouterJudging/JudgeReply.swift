/// One reply of the judge: its text and the tokens the call cost (0 when the judge reports no `usage`).
public struct JudgeReply: Equatable, Sendable {
    public var content: String
    public var promptTokens: Int
    public var completionTokens: Int

    public init(content: String, promptTokens: Int, completionTokens: Int) {
        self.content = content
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}
