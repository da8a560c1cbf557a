import Foundation
import FuzzSupport
import LlamaKit

/// The GGUF reader of `truncate` on arbitrary bytes: a file it reads can be cut to each
/// smaller block count (up to three), and the cut file reads back with that count, the same
/// architecture and no more tensors.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let summary = try? GGUFLayerTruncation.summary(of: bytes, name: "fuzz.gguf") else { return 0 }
    guard summary.blockCount > 1 else { return 0 }
    for layers in 1..<min(summary.blockCount, 4) {
        guard let cut = try? GGUFLayerTruncation.truncated(bytes, name: "fuzz.gguf", layers: layers) else { continue }
        let again = Result { () throws(GGUFLayerTruncation.Failure) in try GGUFLayerTruncation.summary(of: cut, name: "cut.gguf") }
        guard case .success(let reread) = again else {
            FuzzCheck.require(false, "the cut to \(layers) blocks does not read back: \(again)")
            return 0
        }
        FuzzCheck.require(reread.blockCount == layers && reread.architecture == summary.architecture
                          && reread.tensorCount <= summary.tensorCount, "cut to \(layers): \(reread) from \(summary)")
    }
    return 0
}

#if !FUZZING
@main struct GGUFFuzzReplay {
    static func main() { FuzzReplay.run(fuzzGGUF) }
}
#endif
