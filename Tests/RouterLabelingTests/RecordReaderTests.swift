import Foundation
import Testing
import RouterCore
@testable import RouterLabeling

/// Reading logs in each format, from literal text (no model).
@Suite struct RecordReaderTests {
    func records(_ text: String, _ format: InputFormat, field: String? = nil, idField: String? = nil) throws -> [QueryRecord] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID())").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try RecordReader(handle: FileHandle(forReadingAtPath: path)!, format: format, field: field, idField: idField)
        var out: [QueryRecord] = []
        while let record = reader.next() { out.append(record) }
        return out
    }

    func describe(_ r: QueryRecord) -> String {
        switch r.content {
        case .query(let q): return "\(r.line) \(r.id.serialized) q:\(q)"
        case .conversation(let m): return "\(r.line) \(r.id.serialized) c:\(m.map(\.content).joined(separator: "|"))"
        case .invalid(let why): return "\(r.line) \(r.id.serialized) !\(why)"
        }
    }

    @Test func jsonlFindsTheQueryFieldAndReportsBadRows() throws {
        let text = """
        {"id": "a", "prompt": "What is 2+2?"}
        {"query": "no id here"}

        {"id": 7, "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [{"type": "text", "text": "Yo"}]}]}
        {broken
        {"id": "e", "prompt": "   "}
        {"id": "f", "other": "x"}
        {"id": "g", "prompt": 12}
        """
        #expect(try records(text, .jsonl).map(describe) == [
            #"1 "a" q:What is 2+2?"#, "2 2 q:no id here", "4 7 c:Hi|Yo", "5 5 !not a JSON object",
            #"6 "e" !empty query"#, #"7 "f" !no "prompt", "query" or "messages" field (name one with --field)"#,
            #"8 "g" !"prompt" is neither a string nor a list of chat messages"#,
        ])
    }

    @Test func jsonlFieldAndIdPaths() throws {
        let text = #"{"request": {"input": "deep"}, "meta": {"key": "k1"}}"# + "\n" + #"{"request": {}}"#
        #expect(try records(text, .jsonl, field: "request.input", idField: "meta.key").map(describe)
                == [#"1 "k1" q:deep"#, #"2 2 !no field "request.input""#])
    }

    @Test func csvWithQuotedCommasQuotesAndLineBreaks() throws {
        let text = "id,question,extra\r\n1,plain,x\r\n2,\"with, comma\",x\r\n3,\"say \"\"hi\"\"\",x\r\n4,\"two\nlines\",x\r\n5,,x\r\n"
        #expect(try records(text, .csv).map(describe) == [
            #"2 "1" q:plain"#, #"3 "2" q:with, comma"#, #"4 "3" q:say "hi""#, "5 \"4\" q:two\nlines", #"7 "5" !empty query"#,
        ])
    }

    @Test func csvHeaderProblemsAreFatal() throws {
        #expect(throws: LabelError.csvHeader("no prompt/query/question/text column among a, b; name one with --field")) {
            try records("a,b\n1,2\n", .csv)
        }
        #expect(throws: LabelError.csvHeader("no CSV column \"q\" (columns: a, b)")) { try records("a,b\n1,2\n", .csv, field: "q") }
        #expect(try records("only\nx\n", .csv).map(describe) == ["2 2 q:x"])
    }

    @Test func textIsOneQueryPerLine() throws {
        #expect(try records("first\n\nthird\r\nlast without newline", .text).map(describe)
                == ["1 1 q:first", "2 2 !empty query", "3 3 q:third", "4 4 q:last without newline"])
    }

    @Test func formatsAreGuessedFromFileNames() {
        #expect(InputFormat.guess(path: "logs/a.JSONL") == .jsonl)
        #expect(InputFormat.guess(path: "a.csv") == .csv)
        #expect(InputFormat.guess(path: "a.txt") == .text)
        #expect(InputFormat.guess(path: "a") == nil)
    }

    @Test func shardsAreParsed() throws {
        #expect(try LabelOptions.parseShard("1/3") == (1, 3))
        for bad in ["3/3", "1", "a/b", "-1/2", "0/0"] {
            #expect(throws: LabelError.badShard(bad)) { try LabelOptions.parseShard(bad) }
        }
    }

    @Test func aTornLastLineIsCutOffOnRecovery() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID()).jsonl").path
        try "{\"line\":1}\n{\"line\":2}\n{\"line\":3,\"lab".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try AppendOnlyFile.recover(path: path)
        #expect(lines.count == 2)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"line\":1}\n{\"line\":2}\n")
        #expect(try AppendOnlyFile.recover(path: path + ".missing").isEmpty)
    }
}
