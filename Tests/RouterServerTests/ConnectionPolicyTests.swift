@testable import HTTPTransport
import Testing
@testable import RouterServer

/// The connection layer's pure rules: deadlines per phase, which connection makes room at the
/// cap, chunked framing, and the parser's incremental state.
@Suite struct ConnectionPolicyTests {
    @Test func eachPhaseHasItsDeadline() {
        var limits = HTTPServerLimits()
        limits.idleTimeoutMs = 30_000
        limits.headerTimeoutMs = 10_000
        limits.bodyTimeoutMs = 20_000
        limits.lingerTimeoutMs = 2_000
        #expect(limits.timeoutMs(for: .idle) == 30_000)
        #expect(limits.timeoutMs(for: .receivingHead) == 10_000)
        #expect(limits.timeoutMs(for: .receivingBody) == 20_000)
        #expect(limits.timeoutMs(for: .writing) == 30_000)
        #expect(limits.timeoutMs(for: .lingering) == 2_000)
        #expect(limits.timeoutMs(for: .handling) == nil, "a handler's own deadline governs")
        #expect(ConnectionPhase.allCases.filter(\.timesOutWith408) == [.receivingHead, .receivingBody])
    }

    @Test func evictionTakesTheLeastValuableThenTheOldestAndNeverOneInFlight() {
        let t0 = ContinuousClock.now
        func candidate(_ id: Int, _ phase: ConnectionPhase, _ age: Int) -> ConnectionEviction.Candidate<Int> {
            .init(id: id, phase: phase, lastActivity: t0 - .seconds(age))
        }
        #expect(ConnectionEviction.victim(among: [candidate(1, .receivingHead, 50), candidate(2, .idle, 5), candidate(3, .idle, 9)]) == 3,
                "an idle connection goes before a half-sent one, the oldest first")
        #expect(ConnectionEviction.victim(among: [candidate(1, .receivingBody, 99), candidate(2, .receivingHead, 1)]) == 2)
        #expect(ConnectionEviction.victim(among: [candidate(1, .idle, 1), candidate(2, .lingering, 0)]) == 2)
        #expect(ConnectionEviction.victim(among: [candidate(1, .handling, 99), candidate(2, .writing, 99)]) == nil)
        #expect(ConnectionEviction.victim(among: [ConnectionEviction.Candidate<Int>]()) == nil)
    }

    @Test func chunksAreFramedWithTheirHexSize() {
        #expect(HTTPResponseWriter.chunk(Array("hello".utf8)) == Array("5\r\nhello\r\n".utf8))
        let big = [UInt8](repeating: 65, count: 300)
        #expect(HTTPResponseWriter.chunk(big).prefix(5) == Array("12c\r\n".utf8)[...])
    }

    @Test func theParserReportsWhereARequestIs() throws {
        var parser = HTTPRequestParser()
        #expect(!parser.hasPartialRequest && !parser.isReceivingBody)
        parser.append(Array("POST /v1/route HTTP/1.1\r\nContent-Len".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.hasPartialRequest && !parser.isReceivingBody)
        parser.append(Array("gth: 4\r\n\r\nab".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.isReceivingBody && parser.bufferedByteCount == 2)
        parser.append(Array("cd".utf8))
        #expect(try parser.next()?.body == Array("abcd".utf8))
        #expect(!parser.hasPartialRequest && parser.bufferedByteCount == 0)
    }

    @Test func aHeadTrickledByteByByteIsFoundAcrossEveryBoundary() throws {
        for terminator in ["\r\n\r\n", "\n\n", "\n\r\n"] {
            var parser = HTTPRequestParser()
            var found: HTTPRequest?
            for byte in Array(("GET /x HTTP/1.1\r\nHost: h" + terminator).utf8) {
                #expect(found == nil)
                parser.append([byte])
                found = try parser.next()
            }
            #expect(found?.header("host") == "h", "terminator \(terminator.debugDescription)")
        }
    }
}
