import Foundation
import FuzzSupport
import RouterProxy
import RouterServer

/// Every JSON body the servers read, on arbitrary bytes: `/v1/route` and `/v1/route/batch` (the
/// sidecar's decoding and checks, conversations cut to a small room) and `/v1/chat/completions`
/// and `/v1/completions` (the proxy's). Each is accepted or refused with a reason; an accepted
/// proxy body yields a routing body the sidecar can read and an upstream body that is a JSON
/// object with the upstream's model.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    let tokenizer = FuzzTokenizer()
    if let text = try? RequestBodyCheck.routeQuery(body, room: 48, tokenizer: tokenizer) {
        _ = text.utf8.count
    }
    if let texts = try? RequestBodyCheck.batchQueries(body, room: 48, tokenizer: tokenizer) {
        FuzzCheck.require(!texts.isEmpty && texts.count <= 1024, "a batch of \(texts.count) queries accepted")
    }
    for chat in [true, false] {
        guard let forwarded = try? CompletionBodyCheck.check(body, chat: chat, upstreamModel: "m") else { continue }
        let upstream = try? JSONSerialization.jsonObject(with: Data(forwarded.upstream)) as? [String: Any]
        FuzzCheck.require(upstream?["model"] as? String == "m", "upstream body \(String(decoding: forwarded.upstream, as: UTF8.self))")
        if !chat {
            // A completion's routing body is the sidecar's {"query": prompt}.
            FuzzCheck.require((try? RequestBodyCheck.routeQuery(forwarded.routing, room: 48, tokenizer: tokenizer)) != nil,
                              "routing body \(String(decoding: forwarded.routing, as: UTF8.self)) refused")
        }
    }
    return 0
}

#if !FUZZING
@main struct RequestBodyFuzzReplay {
    static func main() { FuzzReplay.run(fuzzRequestBody) }
}
#endif
