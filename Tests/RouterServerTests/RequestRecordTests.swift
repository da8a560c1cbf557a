import Foundation
import RouterCore
import Testing
@testable import RouterServer

/// The pure parts of `serve --record` (no model, no server): request ids, the record's JSON, file
/// names. Records written by a real server against real upstreams: RouterProxyTests' RecordingTests.
@Suite struct RequestRecordTests {
    @Test func aClientsRequestIDIsKeptOnlyWhenSane() {
        #expect(RequestID.isSane("req-42_abc.DEF:1"))
        #expect(!RequestID.isSane(""))
        #expect(!RequestID.isSane("has space"))
        #expect(!RequestID.isSane("tab\there"))
        #expect(!RequestID.isSane("é"))
        #expect(RequestID.isSane(String(repeating: "a", count: 128)))
        #expect(!RequestID.isSane(String(repeating: "a", count: 129)))
    }

    @Test func timesAreISO8601UTCWithMilliseconds() {
        #expect(RequestRecord.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RequestRecord.timestamp(Date(timeIntervalSince1970: 1_796_614_501.123_9)) == "2026-12-07T03:35:01.123Z")
    }

    @Test func theRecordKeepsMessagesAndMetadataAsSentAndLeavesOutWhatDidNotHappen() throws {
        var record = RequestRecord(id: "r1", time: Date(timeIntervalSince1970: 0), path: "/v1/chat/completions", status: 200,
                                   latency: RecordLatency(scoringMs: 2, firstByteMs: 5, totalMs: 9))
        record.body = Array(#"{"model": "router", "metadata": {"reference": "4", "x": 0.1}, "messages": [{"role": "user", "content": "hi"}]}"#.utf8)
        record.query = "hi"
        record.tier = "weak"
        record.answeredBy = "weak"
        record.failover = false
        record.answers = [("weak", "Hello!")]
        #expect(record.json.serialized == #"{"id":"r1","time":"1970-01-01T00:00:00.000Z","path":"/v1/chat/completions","query":"hi","#
            + #""messages":[{"content":"hi","role":"user"}],"metadata":{"reference":"4","x":0.1},"verdict":null,"tier":"weak","#
            + #""answered_by":"weak","failover":false,"status":200,"latency_ms":{"scoring":2,"first_byte":5,"total":9},"#
            + #""answers":{"weak":"Hello!"}}"#)
        var route = RequestRecord(id: "r2", time: Date(timeIntervalSince1970: 0), path: "/v1/route", status: 200)
        route.body = Array("not json".utf8)
        #expect(route.json.serialized == #"{"id":"r2","time":"1970-01-01T00:00:00.000Z","path":"/v1/route","query":null,"verdict":null,"#
            + #""status":200,"latency_ms":{"scoring":null,"total":null}}"#)
    }

    @Test func fileNamesSortByTimeThenSequence() {
        let name = RecordFileSet.name(sequence: 7, at: Date(timeIntervalSince1970: 1_796_614_501))
        #expect(name == "records-20261207T033501Z-0007.jsonl")
        #expect(RecordFileSet.sequence(of: name) == 7)
        #expect(RecordFileSet.sequence(of: "records-x.jsonl") == nil)
    }
}
