import Foundation

/// A learned 5-way label head: multinomial logistic regression over the scoring model's final
/// hidden state at the label position and the five zero-shot label logits, with the feature
/// standardisation it was trained with. The label logits are a linear function of that hidden
/// state, so this is RouteLLM's fine-tuned classifier head at a tiny fraction of the cost.
/// Stored as JSON with what it was trained for (model and template SHA-256) and on.
public struct LabelHead: Codable, Equatable, Sendable {
    public var format = "causal-router-label-head/1"
    /// SHA-256 of the GGUF file and of the template file the features came from.
    public var modelSHA256: String
    public var templateSHA256: String
    /// Hidden-state width + 5 label logits.
    public var featureSize: Int
    public var mean: [Float]
    public var scale: [Float]
    /// weights[label - 1][feature], bias[label - 1].
    public var weights: [[Float]]
    public var bias: [Float]
    /// Free-form facts about the training run (data, rows, l2, epochs, validation figures).
    public var training: [String: String]

    public init(modelSHA256: String, templateSHA256: String, featureSize: Int, mean: [Float], scale: [Float],
                weights: [[Float]], bias: [Float], training: [String: String]) {
        self.modelSHA256 = modelSHA256
        self.templateSHA256 = templateSHA256
        self.featureSize = featureSize
        self.mean = mean
        self.scale = scale
        self.weights = weights
        self.bias = bias
        self.training = training
    }

    enum CodingKeys: String, CodingKey {
        case format, featureSize = "feature_size", modelSHA256 = "model_sha256", templateSHA256 = "template_sha256"
        case mean, scale, weights, bias, training
    }

    /// The features of one query: hidden state then label logits.
    public static func features(hiddenState: [Float], labelLogits: [Float]) -> [Float] {
        hiddenState + labelLogits
    }

    /// P(label = 1...5) for one feature vector.
    public func distribution(features: [Float]) -> LabelDistribution {
        precondition(features.count == featureSize, "feature vector of \(features.count), head expects \(featureSize)")
        var logits = [Float](repeating: 0, count: 5)
        for k in 0..<5 {
            var sum = bias[k]
            let w = weights[k]
            for j in 0..<featureSize { sum += w[j] * (features[j] - mean[j]) / scale[j] }
            logits[k] = sum
        }
        return LabelDistribution(logits: logits)
    }
}
