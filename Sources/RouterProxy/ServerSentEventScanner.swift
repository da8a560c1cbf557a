import Foundation

/// Watches a relayed server-sent event stream without holding it: keeps only the unfinished
/// line, notes `data: [DONE]` and the token usage an upstream reports in its events, and with
/// `assemblesAnswer` puts the answer together from the deltas (`StreamedAnswer`: session
/// affinity links the next turn to it, `--record-answers` stores its text).
struct ServerSentEventScanner {
    private var partial: [UInt8] = []
    private(set) var sawDone = false
    private(set) var sawEvent = false
    private(set) var usage: TokenUsage?
    /// The answer so far; nil unless assembled (reading every event's JSON costs time only
    /// sessions and recording need).
    private(set) var answer: StreamedAnswer?

    init(assemblesAnswer: Bool = false) {
        answer = assemblesAnswer ? StreamedAnswer() : nil
    }

    mutating func feed(_ bytes: [UInt8]) {
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: 10) {
            partial += bytes[start..<newline]
            line(partial)
            partial.removeAll(keepingCapacity: true)
            start = newline + 1
        }
        partial += bytes[start...]
        if partial.count > 1 << 20 { partial.removeAll() }   // a line this long is no event we read
    }

    private mutating func line(_ raw: [UInt8]) {
        var decoded = String(decoding: raw, as: UTF8.self)
        if decoded.hasSuffix("\r") { decoded.removeLast() }
        guard decoded.hasPrefix("data:") else { return }
        let payload = decoded.dropFirst(5).trimmingCharacters(in: .whitespaces)
        sawEvent = true
        if payload == "[DONE]" {
            sawDone = true
        } else {
            if payload.contains("\"usage\""), let found = TokenUsage(json: Array(payload.utf8)) { usage = found }
            answer?.add(payload)
        }
    }
}
