import Foundation
import FuzzSupport
import RouterCore

/// LabelHead's file decoding and shape check on arbitrary bytes: a head it accepts must be
/// usable, i.e. give a distribution (five finite probabilities summing to 1) and an
/// out-of-distribution score for a feature vector of its size, without a trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHead(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let head = try? LabelHead.decode(Data(bytes: data, count: size), path: "fuzz.json") else { return 0 }
    for value: Float in [0, 1] {
        let features = [Float](repeating: value, count: head.featureSize)
        let p = head.distribution(features: features).probabilities
        FuzzCheck.require(p.count == 5 && p.allSatisfy { $0.isFinite && $0 >= 0 } && abs(p.reduce(0, +) - 1) < 1e-6,
                          "distribution \(p)")
        if let ood = head.outOfDistribution(features: features) {
            FuzzCheck.require(!ood.score.isNaN, "out-of-distribution score NaN")
        }
    }
    return 0
}

#if !FUZZING
@main struct HeadFuzzReplay {
    static func main() { FuzzReplay.run(fuzzHead) }
}
#endif
