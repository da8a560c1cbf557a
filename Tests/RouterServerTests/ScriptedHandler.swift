@testable import HTTPTransport
import Foundation
import Synchronization
@testable import RouterServer

/// A handler for connection-layer tests, no model: `/sleep/MS` answers after MS milliseconds,
/// `/stream/N` streams N chunks "chunk i\n", anything else echoes the method, path and body.
/// `sleeping` counts the `/sleep/` requests a handler thread has taken up: the signal that a
/// connection is busy (its request in a handler), for tests to wait on instead of a pause.
struct ScriptedHandler: HTTPHandler {
    final class Sleeping: Sendable {
        let started = Atomic<Int>(0)
        var count: Int { started.load(ordering: .acquiring) }
    }

    var sleeping = Sleeping()

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        if request.path.hasPrefix("/sleep/"), let ms = UInt32(request.path.dropFirst("/sleep/".count)) {
            sleeping.started.add(1, ordering: .releasing)
            usleep(ms * 1000)
        }
        return HTTPResponse(status: 200, contentType: "text/plain",
                            body: Array("\(request.method) \(request.path) \(String(decoding: request.body, as: UTF8.self))".utf8))
    }

    func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        guard request.path.hasPrefix("/stream/"), let count = Int(request.path.dropFirst("/stream/".count)) else {
            writer.send(handle(request))
            return
        }
        writer.beginStream(status: 200, contentType: "text/event-stream", headers: [("Cache-Control", "no-cache")])
        for index in 0..<count {
            writer.write(Array("chunk \(index)\n".utf8))
            usleep(20_000)
        }
        writer.finish()
    }
}
