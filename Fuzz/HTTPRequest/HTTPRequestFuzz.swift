import FuzzSupport
import HTTPTransport

/// HTTPRequestParser on arbitrary bytes: fed whole, a byte at a time and in chunks whose sizes
/// the input picks, it must take out the same requests and stop at the same error each time
/// (TCP may split a request anywhere); no body exceeds the limit or differs from its
/// Content-Length; each request, written out again, parses back to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = HTTPRequestFuzz.parse([bytes])
    let byteByByte = HTTPRequestFuzz.parse(bytes.map { [$0] })
    var chunks: [[UInt8]] = []
    var start = 0
    while start < bytes.count {
        let length = 1 + Int(bytes[start] % 17)
        chunks.append(Array(bytes[start..<min(bytes.count, start + length)]))
        start += length
    }
    let chunked = HTTPRequestFuzz.parse(chunks)
    FuzzCheck.require(whole == byteByByte, "whole \(whole) != byte by byte \(byteByByte)")
    FuzzCheck.require(whole == chunked, "whole \(whole) != chunked \(chunked)")
    for request in whole.requests {
        FuzzCheck.require(request.body.count <= HTTPRequestFuzz.maxBodyBytes, "body of \(request.body.count) bytes")
        FuzzCheck.require(Int(request.header("Content-Length") ?? "0") == request.body.count, "body length != Content-Length")
        FuzzCheck.require(request.header("Transfer-Encoding") == nil, "Transfer-Encoding accepted")
        var again = HTTPRequestParser()
        again.append(HTTPRequestFuzz.serialize(request))
        let reparsed = Result { () throws(HTTPParseError) in try again.next() }
        FuzzCheck.require((try? reparsed.get()) == request, "\(request) re-parses as \(reparsed)")
    }
    return 0
}

/// The parser's run over one input.
enum HTTPRequestFuzz {
    static let maxHeaderBytes = 256
    static let maxBodyBytes = 512

    struct Outcome: Equatable {
        var requests: [HTTPRequest] = []
        var error: HTTPParseError?
    }

    /// Appends each chunk and takes out every complete request, until the first error.
    static func parse(_ chunks: [[UInt8]]) -> Outcome {
        var parser = HTTPRequestParser(maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
        var outcome = Outcome()
        for chunk in chunks {
            parser.append(chunk)
            do {
                while let request = try parser.next() { outcome.requests.append(request) }
            } catch {
                outcome.error = error
                return outcome
            }
        }
        return outcome
    }

    static func serialize(_ request: HTTPRequest) -> [UInt8] {
        var head = "\(request.method) \(request.target) \(request.version)\r\n"
        for (name, value) in request.headers { head += "\(name): \(value)\r\n" }
        return Array((head + "\r\n").utf8) + request.body
    }
}

#if !FUZZING
@main struct HTTPRequestFuzzReplay {
    static func main() { FuzzReplay.run(fuzzHTTPRequest) }
}
#endif
