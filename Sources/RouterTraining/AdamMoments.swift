import Foundation

/// Adam's moment estimates for one array of parameters, and its step (both of `HeadTrainer`'s
/// fits; the arithmetic is the order the shipped heads were fitted with, so they re-fit weight
/// for weight).
struct AdamMoments {
    var m: [Float] = [], v: [Float] = []

    /// One step on the summed gradient `gradient` divided by `total`, plus `l2` times the
    /// parameters, in the `epoch`-th step (from 1).
    mutating func step(_ parameters: inout [Float], gradient: [Float], total: Float, l2: Float, rate: Float, epoch: Int) {
        if m.isEmpty { m = [Float](repeating: 0, count: parameters.count); v = m }
        let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
        let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(epoch)))
        let correction2 = 1 - Float(Foundation.pow(Double(beta2), Double(epoch)))
        for k in parameters.indices {
            let g = gradient[k] / total + l2 * parameters[k]
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            parameters[k] -= rate * (m[k] / correction1) / ((v[k] / correction2).squareRoot() + epsilon)
        }
    }
}
