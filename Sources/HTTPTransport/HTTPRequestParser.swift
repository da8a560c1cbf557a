import Foundation

/// An incremental HTTP/1.x request parser: feed it bytes as they arrive (any split), take
/// complete requests out in order (pipelining). Bodies need a Content-Length.
public struct HTTPRequestParser: Sendable {
    public var maxHeaderBytes: Int
    public var maxBodyBytes: Int
    private var buffer: [UInt8] = []
    /// The head of the request being received, once its blank line has arrived.
    private var pendingHead: (request: HTTPRequest, bodyLength: Int)?
    /// How far the buffer has been searched for the end of the head without finding it, so a
    /// head arriving a byte at a time is scanned once, not once per byte.
    private var scannedHeadBytes = 0

    public init(maxHeaderBytes: Int = 65_536, maxBodyBytes: Int = 1 << 20) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Whether part of a request has arrived but not all of it.
    public var hasPartialRequest: Bool { pendingHead != nil || !buffer.isEmpty }

    /// Whether a request's head has arrived and its body has not.
    public var isReceivingBody: Bool { pendingHead != nil }

    /// Bytes received and not yet taken out as requests.
    public var bufferedByteCount: Int { buffer.count }

    public mutating func append(_ bytes: [UInt8]) {
        buffer += bytes
    }

    /// The next complete request, or nil until more bytes arrive.
    public mutating func next() throws(HTTPParseError) -> HTTPRequest? {
        if pendingHead == nil {
            // Tolerate blank lines between requests (RFC 9112 section 2.2).
            let blank = buffer.prefix { $0 == 13 || $0 == 10 }.count
            if blank > 0 {
                buffer.removeFirst(blank)
                scannedHeadBytes = 0
            }
            guard let end = Self.endOfHead(in: buffer, from: max(0, scannedHeadBytes - 3)) else {
                scannedHeadBytes = buffer.count
                // A head of maxHeaderBytes may still be waiting for its blank line ("\n\r\n" at
                // most): refusing at maxHeaderBytes would refuse it or not by how TCP split it.
                if buffer.count > maxHeaderBytes + 2 { throw .headersTooLarge(limit: maxHeaderBytes) }
                return nil
            }
            scannedHeadBytes = 0
            guard end.headLength <= maxHeaderBytes else { throw .headersTooLarge(limit: maxHeaderBytes) }
            let head = try Self.parseHead(Array(buffer[..<end.headLength]))
            buffer.removeFirst(end.totalLength)
            if head.header("Transfer-Encoding") != nil { throw .unsupportedTransferEncoding }
            let lengths = head.headers.filter { $0.name.lowercased() == "content-length" }.map(\.value)
            var bodyLength = 0
            if let first = lengths.first {
                guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                      first.count <= 18, let value = Int(first) else { throw .invalidContentLength }
                bodyLength = value
            }
            guard bodyLength <= maxBodyBytes else { throw .bodyTooLarge(limit: maxBodyBytes) }
            pendingHead = (head, bodyLength)
        }
        guard let (head, bodyLength) = pendingHead, buffer.count >= bodyLength else { return nil }
        var request = head
        request.body = Array(buffer[..<bodyLength])
        buffer.removeFirst(bodyLength)
        pendingHead = nil
        return request
    }

    /// Where the head ends: the bytes before the blank line, and including it.
    private static func endOfHead(in bytes: [UInt8], from start: Int) -> (headLength: Int, totalLength: Int)? {
        var i = start
        while i < bytes.count {
            if bytes[i] == 10 {
                if i + 1 < bytes.count && bytes[i + 1] == 10 { return (i, i + 2) }
                if i + 2 < bytes.count && bytes[i + 1] == 13 && bytes[i + 2] == 10 { return (i, i + 3) }
            }
            i += 1
        }
        return nil
    }

    private static let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    private static func parseHead(_ bytes: [UInt8]) throws(HTTPParseError) -> HTTPRequest {
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == 13 ? line.dropLast() : line
        }
        let requestLine = lines.removeFirst()
        let parts = requestLine.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy({ tokenCharacters.contains($0) }),
              !parts[1].isEmpty, parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else { throw .malformedRequestLine }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/") else { throw .malformedRequestLine }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { throw .unsupportedVersion(version) }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: 58) else { throw .malformedHeader }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy({ tokenCharacters.contains($0) }) else { throw .malformedHeader }
            let value = line[(colon + 1)...]
            guard value.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else { throw .malformedHeader }
            headers.append((String(decoding: name, as: UTF8.self),
                            String(decoding: value, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \t"))))
        }
        return HTTPRequest(method: String(decoding: parts[0], as: UTF8.self), target: String(decoding: parts[1], as: UTF8.self),
                           version: version, headers: headers)
    }
}
