import Foundation
import LlamaKit
import Testing

/// GGUF headers that lie about their sizes: each is a `Failure`, never a trap. The first was
/// found by Fuzz/GGUF (a string length past Int.max trapped converting it to Int); the others
/// are the same kind of lie in the other size fields, fixed with it.
@Suite struct GGUFBadInputTests {
    func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    func string(_ text: String) -> [UInt8] { le(UInt64(text.utf8.count)) + Array(text.utf8) }
    func header(tensors: UInt64, metadata: UInt64) -> [UInt8] { Array("GGUF".utf8) + le(UInt32(3)) + le(tensors) + le(metadata) }
    /// architecture "llama" and llama.block_count 4, then `more` metadata (counted in `extra`).
    func file(tensors: UInt64 = 0, extra: UInt64 = 0, more: [UInt8] = [], rest: [UInt8] = []) -> Data {
        Data(header(tensors: tensors, metadata: 2 + extra)
            + string("general.architecture") + le(UInt32(8)) + string("llama")
            + string("llama.block_count") + le(UInt32(4)) + le(UInt32(4)) + more + rest)
    }

    func refuses(_ data: Data, _ comment: Comment) {
        #expect(throws: GGUFLayerTruncation.Failure.self, comment) {
            _ = try GGUFLayerTruncation.summary(of: data, name: "bad.gguf")
        }
    }

    @Test func aStringLongerThanAnyFileIsAFailure() throws {
        // The fuzzer's input, reduced: a key whose length has every bit set.
        refuses(Data(header(tensors: 0, metadata: 1) + le(UInt64.max) + Array("general".utf8)), "key length 2^64-1")
        refuses(file(extra: 1, more: string("x") + le(UInt32(8)) + le(UInt64(1) << 63)), "string value length 2^63")
        // The fuzzer's file as it found it replays too (Fuzz/corpus/gguf/regression-string-length).
    }

    @Test func countsBeyondTheFileAreAFailure() {
        refuses(Data(header(tensors: UInt64.max, metadata: 0)), "tensor count 2^64-1")
        refuses(Data(header(tensors: 0, metadata: UInt64(Int.max) + 1)), "metadata count 2^63")
        refuses(file(extra: 1, more: string("a") + le(UInt32(9)) + le(UInt32(6)) + le(UInt64(1) << 62)), "float array of 2^62")
        refuses(file(extra: 1, more: string("a") + le(UInt32(9)) + le(UInt32(8)) + le(UInt64.max)), "string array of 2^64-1")
    }

    @Test func tensorDataOutsideTheFileIsAFailure() {
        let tensor = string("blk.0.w") + le(UInt32(1)) + le(UInt64(1)) + le(UInt32(0))
        refuses(file(tensors: 1, rest: tensor + le(UInt64.max)), "tensor offset 2^64-1")
        refuses(file(tensors: 1, extra: 1, more: string("general.alignment") + le(UInt32(4)) + le(UInt32.max),
                     rest: tensor + le(UInt64(0))), "alignment 2^32-1: data would start past the end")
    }

    /// Found by Fuzz/GGUF after the first fix: a 300-byte file without tensors whose alignment was
    /// 2^32 - 1 made the cut copy allocate 4 GiB of padding.
    @Test(arguments: [UInt32.max, 1 << 31, 48, 0]) func anAlignmentThatIsNoSmallPowerOfTwoIsAFailure(alignment: UInt32) {
        let data = file(extra: 1, more: string("general.alignment") + le(UInt32(4)) + le(alignment))
        refuses(data, "alignment \(alignment)")
        #expect(throws: GGUFLayerTruncation.Failure.self) { _ = try GGUFLayerTruncation.truncated(data, name: "bad.gguf", layers: 2) }
    }

    @Test func deeplyNestedArraysAreAFailure() {
        var nested: [UInt8] = []
        for _ in 0..<64 { nested += le(UInt32(9)) + le(UInt64(1)) }
        refuses(file(extra: 1, more: string("a") + le(UInt32(9)) + nested + le(UInt32(0)) + le(UInt64(0))), "arrays 64 deep")
    }

    @Test func aWellFormedHeaderStillReads() throws {
        let summary = try GGUFLayerTruncation.summary(of: file(), name: "ok.gguf")
        #expect(summary.architecture == "llama" && summary.blockCount == 4 && summary.tensorCount == 0)
    }
}
