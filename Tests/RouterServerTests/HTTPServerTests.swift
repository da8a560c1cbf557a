@testable import HTTPTransport
import Foundation
import Glibc
import Locking
import TestSupport
import Testing
@testable import RouterServer

/// The connection layer on real sockets with a scripted handler (no model): ordering, streaming,
/// the connection cap, deadlines, the Unix socket.
@Suite(.timeLimit(.minutes(2))) struct HTTPServerTests {
    static func server(_ handler: ScriptedHandler = ScriptedHandler(),
                       _ configure: (inout HTTPServerLimits) -> Void = { _ in }) throws -> (HTTPServer, Int) {
        var limits = HTTPServerLimits()
        configure(&limits)
        let server = try HTTPServer(address: .tcp(host: "127.0.0.1", port: 0), handler: handler, limits: limits)
        server.start()
        guard case .tcp(_, let port) = server.address else { throw TestHTTPClient.ClientError(description: "not TCP") }
        return (server, port)
    }

    @Test func pipelinedRequestsAreAnsweredInOrderEvenWhenTheFirstIsSlow() throws {
        let (server, port) = try Self.server()
        defer { server.shutdown(timeout: .seconds(5)) }
        let client = try TestHTTPClient(port: port, receiveTimeoutSeconds: 10)
        client.send(raw: Array("GET /sleep/300 HTTP/1.1\r\n\r\nPOST /fast HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /last HTTP/1.1\r\n\r\n".utf8))
        #expect(try client.readResponse().text == "GET /sleep/300 ")
        #expect(try client.readResponse().text == "POST /fast hi")
        #expect(try client.readResponse().text == "GET /last ")
    }

    @Test func aHandlerCanStreamItsBodyInChunksOnAKeptAliveConnection() throws {
        let (server, port) = try Self.server()
        defer { server.shutdown(timeout: .seconds(5)) }
        let client = try TestHTTPClient(port: port, receiveTimeoutSeconds: 10)
        client.send(raw: Array("GET /stream/3 HTTP/1.1\r\n\r\n".utf8))
        var raw = ""
        while !raw.hasSuffix("0\r\n\r\n") {
            raw += String(decoding: try client.readRaw(), as: UTF8.self)
        }
        #expect(raw.hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n"))
        #expect(raw.contains("Cache-Control: no-cache\r\n"))
        #expect(raw.hasSuffix("\r\n\r\n8\r\nchunk 0\n\r\n8\r\nchunk 1\n\r\n8\r\nchunk 2\n\r\n0\r\n\r\n"))
        #expect(try client.request("GET", "/after").text == "GET /after ", "the connection is reusable after the stream")
    }

    @Test func atTheCapTheOldestIdleConnectionMakesRoom() throws {
        let (server, port) = try Self.server { $0.maxConnections = 16 }
        defer { server.shutdown(timeout: .seconds(5)) }
        #expect(server.maxConnections == 16)
        var idle: [TestHTTPClient] = []
        for _ in 0..<16 {
            let client = try TestHTTPClient(port: port, receiveTimeoutSeconds: 10)
            #expect(try client.request("GET", "/ping").status == 200)
            idle.append(client)
        }
        let newcomer = try TestHTTPClient(port: port, receiveTimeoutSeconds: 10)
        #expect(try newcomer.request("GET", "/ping").status == 200)
        #expect(server.statistics.evictedConnections == 1)
        #expect(idle[0].isClosedByServer(), "the oldest idle connection was closed")
        #expect(try idle[15].request("GET", "/ping").status == 200, "the newest ones stay")
    }

    @Test func atTheCapWithEveryConnectionBusyANewOneGets503() throws {
        let handler = ScriptedHandler()
        let (server, port) = try Self.server(handler) { $0.maxConnections = 16 }
        defer { server.shutdown(timeout: .seconds(5)) }
        var busy: [TestHTTPClient] = []
        for _ in 0..<16 {
            let client = try TestHTTPClient(port: port, receiveTimeoutSeconds: 10)
            client.send("GET", "/sleep/1500")
            busy.append(client)
        }
        // Busy: every request is in a handler (32 worker threads by default, so all at once).
        try #require(waitUntil(.seconds(5)) { handler.sleeping.count == 16 }, "\(handler.sleeping.count) of 16 requests reached a handler")
        let refused = try TestHTTPClient(port: port, receiveTimeoutSeconds: 10)
        #expect(try refused.request("GET", "/ping").status == 503)
        #expect(server.statistics.refusedConnections == 1)
        for client in busy { #expect(try client.readResponse().status == 200, "requests in flight are never dropped") }
    }

    @Test func idleKeepAliveConnectionsAreClosedAfterTheIdleTimeout() throws {
        let (server, port) = try Self.server { $0.idleTimeoutMs = 300 }
        defer { server.shutdown(timeout: .seconds(5)) }
        let client = try TestHTTPClient(port: port, receiveTimeoutSeconds: 5)
        #expect(try client.request("GET", "/ping").headers["connection"] == "keep-alive")
        let start = ContinuousClock.now
        #expect(client.isClosedByServer())
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func aUnixSocketIsCreatedOwnerOnlyAndServes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cr-\(UUID().uuidString.prefix(8)).sock").path
        let server = try HTTPServer(address: .unix(path: path), handler: ScriptedHandler())
        server.start()
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600, "mode \(String(info.st_mode & 0o777, radix: 8))")
        #expect(try TestHTTPClient(unixPath: path, receiveTimeoutSeconds: 10).request("GET", "/over-unix").text == "GET /over-unix ")
        #expect(server.shutdown(timeout: .seconds(5)))
        #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed at shutdown")
    }

    @Test func shutdownAnswersTheRequestInFlightWithConnectionClose() throws {
        let handler = ScriptedHandler()
        let (server, port) = try Self.server(handler)
        let client = try TestHTTPClient(port: port, receiveTimeoutSeconds: 10)
        client.send("GET", "/sleep/500")
        try #require(waitUntil(.seconds(5)) { handler.sleeping.count == 1 }, "the request never reached a handler")
        let stopped = Lock(false)
        let thread = Thread {
            stopped.withLock { $0 = server.shutdown(timeout: .seconds(10)) }
        }
        thread.start()
        let response = try client.readResponse()
        #expect(response.text == "GET /sleep/500 ")
        #expect(response.headers["connection"] == "close")
        #expect(client.isClosedByServer())
        #expect(waitUntil(.seconds(5)) { stopped.withLock { $0 } }, "shutdown did not finish")
        #expect(throws: (any Error).self) { try TestHTTPClient(port: port) }
    }
}
