@testable import HTTPTransport
import Foundation
import Glibc
import Locking
import Synchronization
import RouterCore
import TestSupport
import Testing
@testable import RouterServer

/// The connection layer against hostile clients, on a real server with the real model: the
/// default 10 s deadline for a request's head (the half-open connections stay open for the whole
/// test), a short one (2 s) for its body.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ConnectionHardeningTests {
    static let headerTimeoutMs = HTTPServerLimits().headerTimeoutMs

    private static let shared = Result { () throws(ServeError) -> RouterApplication in
        var options = ServerFixture.options(parallel: 2)
        options.limits.headerTimeoutMs = headerTimeoutMs
        options.limits.bodyTimeoutMs = 2_000
        return try RouterApplication(options: options, locator: ServerFixture.locator)
    }

    static func application() throws -> RouterApplication {
        let application = try shared.get()
        _ = try application.waitUntilLoaded().get()
        return application
    }

    /// A raw TCP connection to the server that is left as it is.
    static func connect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    @Test func sixHundredHalfOpenConnectionsDoNotLockOutARealRequest() throws {
        let application = try Self.application()
        let port = ServerFixture.port(application)
        let before = application.server.connectionCount
        var halfOpen: [Int32] = []
        defer { halfOpen.forEach { close($0) } }
        let partials = ["POST /v1/route HT", "POST /v1/route HTTP/1.1\r\nContent-Type: applic",
                        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"]
        for index in 0..<600 {
            let fd = try #require(Self.connect(port: port), "connection \(index) refused")
            let partial = Array(partials[index % partials.count].utf8)
            _ = partial.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            halfOpen.append(fd)
        }
        #expect(waitUntil(.seconds(3)) { application.server.connectionCount >= before + 600 },
                "the server holds all 600 (\(application.server.connectionCount) open)")

        let start = ContinuousClock.now
        let client = try TestHTTPClient(port: port, receiveTimeoutSeconds: 30)
        let response = try client.request("POST", "/v1/route", body: #"{"query": "What is the capital of France?", "timeout_ms": 20000}"#)
        let took = ContinuousClock.now - start
        #expect(response.status == 200, "\(response.text)")
        #expect(try response.json()["fallback"] as? Bool == false)
        // Promptly: well inside the header deadline that would otherwise free the slots (the
        // scoring itself takes a fraction of a second; the bound leaves room for a loaded machine).
        #expect(took < .seconds(6), "answered in \(took) beside 600 half-open connections")
        #expect(application.server.connectionCount >= before + 600, "the half-open ones were still open while it was answered")
        #expect(application.server.statistics.refusedConnections == 0)
    }

    @Test func aSlowLorisIsCutByTheHeaderDeadline() throws {
        let application = try Self.application()
        let client = try TestHTTPClient(port: ServerFixture.port(application), receiveTimeoutSeconds: 20)
        let sending = Atomic<Bool>(true)
        let start = ContinuousClock.now
        client.send(raw: Array("GET /healthz HTTP/1.1\r\nX-Slow: ".utf8))
        let trickle = Thread {
            // A header byte every 200 ms: never a complete head, always some activity.
            while sending.load(ordering: .relaxed) && client.send(raw: [UInt8(ascii: "a")]).sent { usleep(200_000) }
        }
        trickle.start()
        defer { sending.store(false, ordering: .relaxed) }
        let response = try client.readResponse()
        let took = ContinuousClock.now - start
        #expect(response.status == 408)
        #expect(response.headers["connection"] == "close")
        #expect(took >= .milliseconds(Self.headerTimeoutMs - 200) && took < .milliseconds(Self.headerTimeoutMs + 3_000), "cut after \(took)")
        #expect(client.isClosedByServer())
    }

    @Test func anOversizedBodyGetsA413TheClientCanReadWhileStillSending() throws {
        let application = try Self.application()
        let client = try TestHTTPClient(port: ServerFixture.port(application), receiveTimeoutSeconds: 20)
        // Content-Length far over the 4096-byte limit; the body keeps coming after the head.
        client.send(raw: Array("POST /v1/route HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 8000000\r\n\r\n".utf8))
        let sendOutcome = Lock<(sent: Bool, errno: Int32)?>(nil)
        let done = DispatchSemaphore(value: 0)
        let sender = Thread {
            let piece = [UInt8](repeating: UInt8(ascii: "x"), count: 65_536)
            var outcome = (sent: true, errno: Int32(0))
            for _ in 0..<32 where outcome.sent { outcome = client.send(raw: piece) }   // 2 MiB
            sendOutcome.withLock { $0 = outcome }
            done.signal()
        }
        sender.start()
        let response = try client.readResponse()
        #expect(response.status == 413)
        let error = try #require(try response.json()["error"] as? [String: Any])
        #expect((error["message"] as? String)?.contains("4096") == true)
        #expect(response.headers["connection"] == "close")
        #expect(done.wait(timeout: .now() + 15) == .success, "the server kept reading (and discarding) the body")
        let outcome = try #require(sendOutcome.withLock { $0 })
        #expect(outcome.sent, "the client's 2 MiB were taken, not reset (errno \(outcome.errno))")
        #expect(client.isClosedByServer())
    }

    @Test func aBodyThatStopsArrivingIsCutByTheBodyDeadline() throws {
        let application = try Self.application()
        let client = try TestHTTPClient(port: ServerFixture.port(application), receiveTimeoutSeconds: 20)
        let start = ContinuousClock.now
        client.send(raw: Array("POST /v1/route HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"query\": ".utf8))
        let response = try client.readResponse()
        let took = ContinuousClock.now - start
        #expect(response.status == 408)
        #expect(took >= .milliseconds(1_800) && took < .seconds(6), "cut after \(took)")
        #expect(application.server.statistics.timedOutRequests >= 1)
    }
}
