import Foundation

/// SHA-256 (FIPS 180-4) in plain Swift, for cache keys over model files, templates and prompts.
public struct SHA256 {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
    private var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    public init() {}

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if contiguous == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// Whole blocks are compressed straight from `buffer`; only a partial block is copied.
    private mutating func update(_ buffer: UnsafeRawBufferPointer) {
        var start = 0
        if !pending.isEmpty {
            start = min(64 - pending.count, buffer.count)
            pending.append(contentsOf: buffer[0..<start])
            guard pending.count == 64 else { return }
            pending.withUnsafeBytes { compress($0, 0) }
            pending.removeAll(keepingCapacity: true)
            length &+= 64
        }
        let whole = (buffer.count - start) / 64 * 64
        for offset in stride(from: start, to: start + whole, by: 64) { compress(buffer, offset) }
        length &+= UInt64(whole)
        pending.append(contentsOf: buffer[(start + whole)...])
    }

    public mutating func finalize() -> String {
        let bits = (length &+ UInt64(pending.count)) &* 8
        var tail = pending + [0x80]
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        tail.withUnsafeBytes { buffer in
            for offset in stride(from: 0, to: tail.count, by: 64) { compress(buffer, offset) }
        }
        return h.map { String(format: "%08x", $0) }.joined()
    }

    /// The hex digest of `data`.
    public static func hex<Bytes: Sequence>(_ data: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(data)
        return hasher.finalize()
    }

    /// The hex digest of a file, read in chunks.
    public static func hex(fileAt path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = handle.readData(ofLength: 4 << 20)
            if chunk.isEmpty { break }
            hasher.update(chunk)
        }
        return hasher.finalize()
    }

    /// One 64-byte block at `offset` (unchecked pointers: this loop is the whole cost of hashing a
    /// model file, also in debug builds).
    private mutating func compress(_ buffer: UnsafeRawBufferPointer, _ offset: Int) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            let bytes = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset
            for t in 0..<16 {
                let i = t * 4
                w[t] = UInt32(bytes[i]) &<< 24 | UInt32(bytes[i + 1]) &<< 16 | UInt32(bytes[i + 2]) &<< 8 | UInt32(bytes[i + 3])
            }
            for t in 16..<64 {
                let s0 = (w[t - 15] &>> 7 | w[t - 15] &<< 25) ^ (w[t - 15] &>> 18 | w[t - 15] &<< 14) ^ (w[t - 15] &>> 3)
                let s1 = (w[t - 2] &>> 17 | w[t - 2] &<< 15) ^ (w[t - 2] &>> 19 | w[t - 2] &<< 13) ^ (w[t - 2] &>> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            Self.k.withUnsafeBufferPointer { k in
                h.withUnsafeMutableBufferPointer { h in
                    var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
                    for t in 0..<64 {
                        let s1 = (e &>> 6 | e &<< 26) ^ (e &>> 11 | e &<< 21) ^ (e &>> 25 | e &<< 7)
                        let choice = (e & f) ^ (~e & g)
                        let t1 = hh &+ s1 &+ choice &+ k[t] &+ w[t]
                        let s0 = (a &>> 2 | a &<< 30) ^ (a &>> 13 | a &<< 19) ^ (a &>> 22 | a &<< 10)
                        let majority = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = s0 &+ majority
                        (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
                    }
                    h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
                }
            }
        }
    }
}
