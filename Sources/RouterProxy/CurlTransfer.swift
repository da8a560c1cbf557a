import CCurl
import Foundation

/// One libcurl easy handle inside its own multi handle, reused for exchange after exchange so
/// the multi handle's connection cache keeps upstream connections open (keep-alive). Used by
/// one thread at a time: `UpstreamClient` checks it out of its pool for an exchange. The multi
/// interface lets the transfer loop enforce the first-byte deadline to the millisecond, which
/// libcurl has no option for. The only file that sees libcurl; nothing of C leaves it.
final class CurlTransfer: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer
    private let easy: UnsafeMutableRawPointer

    /// Everything a transfer's callbacks touch; reached through the callbacks' context pointer.
    private final class Exchange {
        var status = 0
        var headers: [(name: String, value: String)] = []
        var sawFirstByte = false
        var head: UpstreamResponseHead?
        var handling = BodyHandling.collect
        var body: [UInt8] = []
        let onHead: (UpstreamResponseHead) -> BodyHandling
        let onChunk: ([UInt8]) -> Bool
        var aborted = false

        init(onHead: @escaping (UpstreamResponseHead) -> BodyHandling, onChunk: @escaping ([UInt8]) -> Bool) {
            self.onHead = onHead
            self.onChunk = onChunk
        }

        func headerLine(_ line: String) {
            sawFirstByte = true
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.hasPrefix("HTTP/") {
                let parts = trimmed.split(separator: " ", maxSplits: 2)
                status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
                headers = []
            } else if trimmed.isEmpty {
                guard status >= 200, head == nil else { return }   // 1xx: another head follows
                let head = UpstreamResponseHead(status: status, headers: headers)
                self.head = head
                handling = onHead(head)
            } else if let colon = trimmed.firstIndex(of: ":") {
                headers.append((String(trimmed[..<colon]), trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
        }

        func bodyBytes(_ bytes: [UInt8]) -> Bool {
            switch handling {
            case .collect:
                body += bytes
                return true
            case .relay:
                if onChunk(bytes) { return true }
                aborted = true
                return false
            }
        }
    }

    /// Why libcurl cannot be used (it is opened on first use: `ccurl_load`), or nil when it can.
    static var unavailability: String? {
        ccurl_load().map { String(cString: $0) }
    }

    init?() {
        guard Self.unavailability == nil, let multi = ccurl_multi_init() else { return nil }
        guard let easy = ccurl_easy_init() else {
            ccurl_multi_cleanup(multi)
            return nil
        }
        self.multi = multi
        self.easy = easy
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 16)
    }

    deinit {
        ccurl_easy_cleanup(easy)
        ccurl_multi_cleanup(multi)
    }

    private static let headerCallback: ccurl_data_callback = { data, size, count, context in
        let exchange = Unmanaged<Exchange>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        if let data {
            exchange.headerLine(String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self))
        }
        return length
    }

    private static let writeCallback: ccurl_data_callback = { data, size, count, context in
        let exchange = Unmanaged<Exchange>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        guard let data, length > 0 else { return length }
        return exchange.bodyBytes(Array(UnsafeRawBufferPointer(start: data, count: length))) ? length : 0
    }

    /// Sends `request` and waits for the answer. `onHead` sees the status and headers as soon as
    /// they arrive and chooses how the body is handled; with `.relay`, `onChunk` gets each piece
    /// as it arrives (returning false aborts the transfer). `isAbandoned` is asked between waits
    /// (at least every 50 ms): true ends the exchange with `.clientGone`.
    func perform(_ request: UpstreamRequest, onHead: @escaping (UpstreamResponseHead) -> BodyHandling,
                 onChunk: @escaping ([UInt8]) -> Bool, isAbandoned: () -> Bool) -> Result<UpstreamReply, UpstreamFailure> {
        let exchange = Exchange(onHead: onHead, onChunk: onChunk)
        let context = Unmanaged.passUnretained(exchange).toOpaque()
        ccurl_easy_reset(easy)
        _ = ccurl_setopt_string(easy, CURLOPT_URL, request.url)
        _ = ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        _ = ccurl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        _ = ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, request.timeouts.connectMs)
        _ = ccurl_setopt_long(easy, CURLOPT_TIMEOUT_MS, request.timeouts.totalMs)
        _ = ccurl_setopt_callback(easy, CURLOPT_HEADERFUNCTION, Self.headerCallback)
        _ = ccurl_setopt_pointer(easy, CURLOPT_HEADERDATA, context)
        _ = ccurl_setopt_callback(easy, CURLOPT_WRITEFUNCTION, Self.writeCallback)
        _ = ccurl_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
        var lines = ["Expect:", request.acceptsEventStream ? "Accept: text/event-stream" : "Accept: application/json"]
        if let body = request.body {
            lines.append("Content-Type: application/json")
            _ = ccurl_setopt_long(easy, CURLOPT_POST, 1)
            _ = ccurl_setopt_size(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            if body.isEmpty {
                _ = ccurl_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
            } else {
                body.withUnsafeBufferPointer { buffer in
                    _ = ccurl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress!))
                }
            }
        } else {
            _ = ccurl_setopt_long(easy, CURLOPT_HTTPGET, 1)
        }
        if let key = request.apiKey { lines.append("Authorization: Bearer \(key)") }
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines { list = ccurl_slist_append(list, line) }
        defer { ccurl_slist_free_all(list) }
        _ = ccurl_setopt_pointer(easy, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))

        let firstByteDeadline = ContinuousClock.now + .milliseconds(request.timeouts.firstByteMs)
        ccurl_multi_add_handle(multi, easy)
        defer { ccurl_multi_remove_handle(multi, easy) }
        var running: Int32 = 1
        var result: CURLcode?
        var queued: Int32 = 0
        while true {
            ccurl_multi_perform(multi, &running)
            while let message = ccurl_multi_info_read(multi, &queued)?.pointee {
                if message.msg == CURLMSG_DONE { result = message.data.result }
            }
            if result != nil || running == 0 { break }
            if isAbandoned() { return .failure(.clientGone) }
            let now = ContinuousClock.now
            if !exchange.sawFirstByte && now >= firstByteDeadline {
                return .failure(.firstByteTimeout)
            }
            var waitMs: Int32 = 50
            if !exchange.sawFirstByte {
                let left = firstByteDeadline - now
                waitMs = min(50, max(1, Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
            }
            ccurl_multi_poll(multi, waitMs)
        }
        let code = result ?? CURLE_OK
        if code == CURLE_OK, let head = exchange.head {
            return .success(UpstreamReply(head: head, body: exchange.body))
        }
        switch code {
        case CURLE_OK:
            return .failure(.transport("no response head"))
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST:
            return .failure(.refused(String(cString: ccurl_easy_strerror(code))))
        case CURLE_OPERATION_TIMEDOUT:
            if !exchange.sawFirstByte { return .failure(Self.connected(easy) ? .firstByteTimeout : .connectTimeout) }
            return .failure(.totalTimeout)
        case CURLE_WRITE_ERROR where exchange.aborted:
            return .failure(.clientGone)
        default:
            return .failure(.transport(String(cString: ccurl_easy_strerror(code))))
        }
    }

    /// Whether the handle had connected (a timeout after it is not a connect timeout).
    private static func connected(_ easy: UnsafeMutableRawPointer) -> Bool {
        var connectTime: Double = 0
        return ccurl_connect_time(easy, &connectTime) == CURLE_OK && connectTime > 0
    }
}
