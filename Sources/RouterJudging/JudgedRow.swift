import RouterCore

/// A judged record as a row of data/README.md's routing-data schema, with how it was judged.
public struct JudgedRow: Sendable {
    /// How the two answers were compared.
    public enum Outcome: Sendable {
        /// By the LLM judge in both orders; the replies' token counts summed over every call.
        case pairwise(PairwiseJudgement, judgeModel: String, calls: Int, promptTokens: Int, completionTokens: Int)
        /// By exact match with the reference: each answer's final answer (nil: it gives none).
        case reference(field: String, value: String, strongAnswer: String?, weakAnswer: String?,
                       strongCorrect: Bool, weakCorrect: Bool)
    }

    public var record: TrafficRecord
    public var strongTier: String
    public var weakTier: String
    public var outcome: Outcome

    public var label: Int {
        switch outcome {
        case .pairwise(let judgement, _, _, _, _): judgement.label
        case .reference(_, _, _, _, let strongCorrect, let weakCorrect):
            ReferenceAnswer.label(strongCorrect: strongCorrect, weakCorrect: weakCorrect)
        }
    }

    /// The output line's JSON.
    public var json: JSONValue {
        let scores: (strong: Double, weak: Double)
        let scale: String
        let how: (String, JSONValue)
        switch outcome {
        case .pairwise(let judgement, let model, let calls, let promptTokens, let completionTokens):
            scores = (judgement.strongScore, judgement.weakScore)
            scale = "pairwise"
            how = ("judge", .object([
                ("model", .string(model)),
                ("verdicts", .array([.string(judgement.strongFirst.token), .string(judgement.weakFirst.token)])),
                ("margins", .array(judgement.margins.map(JSONValue.int))), ("d", .number(judgement.d)),
                ("calls", .int(calls)),
                ("usage", .object([("prompt_tokens", .int(promptTokens)), ("completion_tokens", .int(completionTokens))])),
            ]))
        case .reference(let field, let value, let strongAnswer, let weakAnswer, let strongCorrect, let weakCorrect):
            scores = (strongCorrect ? 1 : 0, weakCorrect ? 1 : 0)
            scale = "correct"
            how = ("reference", .object([
                ("field", .string(field)), ("value", .string(value)),
                ("strong_answer", strongAnswer.map(JSONValue.string) ?? .null),
                ("weak_answer", weakAnswer.map(JSONValue.string) ?? .null),
            ]))
        }
        var fields: [(String, JSONValue)] = [
            ("id", .string(record.id)),
            ("benchmark", .string(record.field("benchmark") ?? "traffic")),
            ("prompt", .string(record.query ?? "")),
            ("strong", .object([("model", .string(record.model(ofTier: strongTier))), ("score", .number(scores.strong))])),
            ("weak", .object([("model", .string(record.model(ofTier: weakTier))), ("score", .number(scores.weak))])),
            ("score_scale", .string(scale)),
            ("label", .int(label)),
            ("contaminated", .bool(false)),
            ("split", .string(IDHash.split(id: record.id))),
        ]
        if let time = record.time { fields.append(("time", .string(time))) }
        if let category = record.field("category") { fields.append(("category", .string(category))) }
        fields.append(how)
        return .object(fields)
    }
}
