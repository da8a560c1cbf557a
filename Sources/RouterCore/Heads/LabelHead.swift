import Foundation

/// A learned 5-way label head: multinomial logistic regression over features of the scoring
/// model's forward pass (`HeadFeatures`: by default the final hidden state at the label position
/// and the five zero-shot label logits; optionally middle blocks mean-pooled over the query and
/// counts of the query's text), with the feature standardisation it was trained with. It is
/// RouteLLM's fine-tuned classifier head with the transformer frozen, at a tiny fraction of the
/// cost. Stored as JSON with what it was trained for (model and template SHA-256) and on.
public struct LabelHead: Codable, Equatable, Sendable {
    public static let format = "causal-router-label-head/1"
    /// Heads with features other than the first heads' (`features` present).
    public static let formatWithFeatures = "causal-router-label-head/2"
    /// Heads that read at the query's end (`FeaturePosition.queryEnd`): a binary that cannot
    /// skip the template's suffix refuses them instead of reading their features elsewhere.
    public static let formatAtQueryEnd = "causal-router-label-head/3"
    /// Heads with a hidden layer (`hidden`), wherever they read: a binary that predates hidden
    /// layers refuses them instead of reading their output weights as the features'.
    public static let formatWithHiddenLayer = "causal-router-label-head/4"

    public var format = LabelHead.format

    /// The format a head reading `features` is written in: the first heads' format when they are
    /// the first heads' features and `listingFeatures` is off (a mixture lists them always).
    public static func format(for features: HeadFeatures, listingFeatures: Bool = false, hidden: Bool = false) -> String {
        if hidden { return formatWithHiddenLayer }
        if features.endsAtQuery { return formatAtQueryEnd }
        return features == .finalStateAndLogits && !listingFeatures ? format : formatWithFeatures
    }
    /// Shown in verdicts ("head": name).
    public var name: String
    /// SHA-256 of the GGUF file and of the template file the features came from.
    public var modelSHA256: String
    public var templateSHA256: String
    /// `label` or `weak_ok` (HeadTarget).
    public var target: String
    /// What the head reads (format 1 files: the final state and the label logits).
    public var features: HeadFeatures
    /// Values in the feature vector (`features.size(embeddingSize:)`).
    public var featureSize: Int
    public var mean: [Float]
    public var scale: [Float]
    /// weights[label - 1][feature] (with a hidden layer: [label - 1][unit]), bias[label - 1].
    public var weights: [[Float]]
    public var bias: [Float]
    /// Rectified units between the standardised features and the logits (nil: the logits are
    /// linear in the features, as every head but an obvious-cases gate fitted with
    /// `--gate-hidden` is).
    public var hidden: HeadHiddenLayer?
    /// The routing threshold that goes with this head (used unless --threshold is given): the
    /// median strong-model win rate over its training rows, so about half the traffic of that
    /// mix goes to the strong model. `calibrate --write-head` sets it for a share you choose.
    public var threshold: Double
    /// Facts about the training run (data, rows, l2, epochs, validation figures).
    public var training: [String: String]
    /// Where the training rows lie, for the out-of-distribution score (nil: none reported).
    public var neighbourhood: HeadNeighbourhood?
    /// A mixture of experts: one head per training benchmark, and this head's own weights are
    /// the gate (class i + 1 = expert i) that says how much each expert's distribution counts
    /// for a query (nil: a plain head). Each expert is fitted on data like the queries it judges.
    public var experts: [LabelHead]?
    /// The obvious-cases prior (`ObviousPrior`): obviously easy queries kept under its band,
    /// obviously hard ones over it, applied after the head's (or mixture's) own distribution.
    public var obviousPrior: ObviousPrior?
    /// The SHA-256 of the file the head was read from (`load`; nil for a head made in memory):
    /// verdicts and /v1/config name it, so a swapped head (SIGHUP) is told from the old one even
    /// when a retrained head keeps its name. Not part of the file.
    public var fileSHA256: String?

    public init(name: String, identity: ScoringIdentity, target: HeadTarget = .label,
                features: HeadFeatures = .finalStateAndLogits, featureSize: Int,
                mean: [Float], scale: [Float], weights: [[Float]], bias: [Float], hidden: HeadHiddenLayer? = nil,
                threshold: Double = 0.5, training: [String: String] = [:]) {
        self.format = Self.format(for: features, hidden: hidden != nil)
        self.hidden = hidden
        self.features = features
        self.name = name
        self.modelSHA256 = identity.modelSHA256
        self.templateSHA256 = identity.templateSHA256
        self.target = target.rawValue
        self.featureSize = featureSize
        self.mean = mean
        self.scale = scale
        self.weights = weights
        self.bias = bias
        self.threshold = threshold
        self.training = training
    }

    enum CodingKeys: String, CodingKey {
        case format, name, featureSize = "feature_size", modelSHA256 = "model_sha256", templateSHA256 = "template_sha256"
        case target, mean, scale, weights, bias, hidden, threshold, training, features
        case neighbourhood = "ood"
        case experts
        case obviousPrior = "obvious_prior"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        name = try c.decode(String.self, forKey: .name)
        modelSHA256 = try c.decode(String.self, forKey: .modelSHA256)
        templateSHA256 = try c.decode(String.self, forKey: .templateSHA256)
        target = try c.decode(String.self, forKey: .target)
        features = try c.decodeIfPresent(HeadFeatures.self, forKey: .features) ?? .finalStateAndLogits
        featureSize = try c.decode(Int.self, forKey: .featureSize)
        mean = try c.decode([Float].self, forKey: .mean)
        scale = try c.decode([Float].self, forKey: .scale)
        weights = try c.decode([[Float]].self, forKey: .weights)
        bias = try c.decode([Float].self, forKey: .bias)
        hidden = try c.decodeIfPresent(HeadHiddenLayer.self, forKey: .hidden)
        threshold = try c.decode(Double.self, forKey: .threshold)
        training = try c.decodeIfPresent([String: String].self, forKey: .training) ?? [:]
        neighbourhood = try c.decodeIfPresent(HeadNeighbourhood.self, forKey: .neighbourhood)
        experts = try c.decodeIfPresent([LabelHead].self, forKey: .experts)
        obviousPrior = try c.decodeIfPresent(ObviousPrior.self, forKey: .obviousPrior)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(name, forKey: .name)
        try c.encode(modelSHA256, forKey: .modelSHA256)
        try c.encode(templateSHA256, forKey: .templateSHA256)
        try c.encode(target, forKey: .target)
        if format != Self.format { try c.encode(features, forKey: .features) }
        try c.encode(featureSize, forKey: .featureSize)
        try c.encode(mean, forKey: .mean)
        try c.encode(scale, forKey: .scale)
        try c.encode(weights, forKey: .weights)
        try c.encode(bias, forKey: .bias)
        try c.encodeIfPresent(hidden, forKey: .hidden)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(training, forKey: .training)
        try c.encodeIfPresent(neighbourhood, forKey: .neighbourhood)
        try c.encodeIfPresent(experts, forKey: .experts)
        try c.encodeIfPresent(obviousPrior, forKey: .obviousPrior)
    }

    public var identity: ScoringIdentity { ScoringIdentity(modelSHA256: modelSHA256, templateSHA256: templateSHA256) }

    /// The standardised features (as the head was trained on them).
    public func standardised(_ features: [Float]) -> [Float] {
        precondition(features.count == featureSize, "feature vector of \(features.count), head expects \(featureSize)")
        var z = [Float](repeating: 0, count: featureSize)
        for j in 0..<featureSize { z[j] = (features[j] - mean[j]) / scale[j] }
        return z
    }

    /// How far one feature vector lies from the training rows: the share of held-out training
    /// rows that were closer (0...1) and whether it is past the head's threshold; nil without
    /// a neighbourhood.
    public func outOfDistribution(features: [Float]) -> (score: Double, outside: Bool)? {
        guard let neighbourhood else { return nil }
        let distance = neighbourhood.distance(projected: neighbourhood.project(standardised(features)))
        return (neighbourhood.score(distance: distance), distance > neighbourhood.threshold)
    }

    /// P(label = 1...5) for one feature vector (`featureSize` values): a mixture head's is its
    /// experts' distributions weighted by the gate; then the obvious-cases prior, if any.
    public func distribution(features: [Float]) -> LabelDistribution {
        let learned = learnedDistribution(features: features)
        return obviousPrior?.apply(to: learned, features: features) ?? learned
    }

    /// The distribution before the obvious-cases prior: the head's own, or its experts' mixed
    /// (what a distilled student learns when it gets a prior of its own).
    public func learnedDistribution(features: [Float]) -> LabelDistribution {
        guard let experts, !experts.isEmpty else { return ownDistribution(features: features) }
        let gate = expertWeights(features: features)
        var mixed = [Double](repeating: 0, count: 5)
        for (weight, expert) in zip(gate, experts) where weight > 0 {
            let p = expert.distribution(features: features).probabilities
            for k in 0..<5 { mixed[k] += weight * p[k] }
        }
        return LabelDistribution(probabilities: mixed)
    }

    /// How much each expert counts for a feature vector (sums to 1; empty for a plain head).
    public func expertWeights(features: [Float]) -> [Double] {
        guard let experts, !experts.isEmpty else { return [] }
        let p = Array(ownDistribution(features: features).probabilities.prefix(experts.count))
        let total = p.reduce(0, +)
        return total > 0 ? p.map { $0 / total } : p.map { _ in 1 / Double(p.count) }
    }

    /// The distribution of this head's own weights (a mixture head's gate).
    /// Accumulated in double precision: single-precision sums of large weights times standardised
    /// features overflowed to infinity and made the distribution NaN (found by Fuzz/Head).
    private func ownDistribution(features: [Float]) -> LabelDistribution {
        precondition(features.count == featureSize, "feature vector of \(features.count), head expects \(featureSize)")
        var z = [Double](repeating: 0, count: featureSize)
        for j in 0..<featureSize { z[j] = (Double(features[j]) - Double(mean[j])) / Double(scale[j]) }
        let inputs = hidden?.activations(z) ?? z
        var logits = [Double](repeating: 0, count: 5)
        for k in 0..<5 {
            var sum = Double(bias[k])
            weights[k].withUnsafeBufferPointer { w in
                for j in 0..<inputs.count { sum += Double(w[j]) * inputs[j] }
            }
            logits[k] = sum
        }
        return LabelDistribution(preciseLogits: logits)
    }

    /// `scored` with its distribution replaced by this head's; needs what `features` names (an
    /// engine or scorer set up with this head reads it). The zero-shot logits stay in `labelLogits`.
    public func apply(to scored: ScoredQuery) -> ScoredQuery {
        guard let vector = features.vector(of: scored) else {
            preconditionFailure("the head needs \(features.summary), which the scorer did not read")
        }
        var result = scored
        result.distribution = distribution(features: vector)
        if let ood = outOfDistribution(features: vector) {
            result.oodScore = ood.score
            result.outOfDistribution = ood.outside
        }
        result.head = name
        result.headSHA256 = fileSHA256
        return result
    }

    // MARK: - Files

    /// Reads and checks a head file's shape.
    public static func load(path: String) throws(RouterError) -> LabelHead {
        guard let data = FileManager.default.contents(atPath: path) else { throw .fileUnreadable(path: path) }
        var head = try decode(data, path: path)
        head.fileSHA256 = SHA256.hex(Array(data))
        return head
    }

    /// Decodes and checks a head file's bytes (`path` is what errors name).
    public static func decode(_ data: Data, path: String) throws(RouterError) -> LabelHead {
        let head: LabelHead
        do {
            head = try JSONDecoder().decode(LabelHead.self, from: data)
        } catch {
            throw .headInvalid(path: path, reason: "not a head JSON file (\(Self.reason(error)))")
        }
        if let problem = head.shapeProblem { throw .headInvalid(path: path, reason: problem) }
        return head
    }

    /// Writes the head as one compact JSON object (keys sorted).
    public func write(to path: String) throws(RouterError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try (encoder.encode(self) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .headInvalid(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Refuses a head trained for another model or template file.
    public func check(against identity: ScoringIdentity, path: String) throws(RouterError) {
        if identity.modelSHA256 != modelSHA256 {
            throw .headMismatch(path: path, what: "model", expected: modelSHA256, actual: identity.modelSHA256)
        }
        if identity.templateSHA256 != templateSHA256 {
            throw .headMismatch(path: path, what: "template", expected: templateSHA256, actual: identity.templateSHA256)
        }
    }

    /// Refuses a head whose features do not fit a model with `embeddingSize` hidden values.
    public func check(embeddingSize: Int) throws(RouterError) {
        let expected = features.size(embeddingSize: embeddingSize)
        if featureSize != expected {
            throw .headInvalid(path: name, reason: "expects \(featureSize) feature values (\(features.summary)), "
                + "the model gives \(expected) (hidden size \(embeddingSize))")
        }
    }

    /// The largest magnitude a head file may hold in its mean, scale, weights and bias.
    static let largestValue: Float = 1e6
    /// The smallest feature scale (`train` never writes less).
    static let smallestScale: Float = 1e-6

    /// Why the arrays do not fit together, if they do not.
    var shapeProblem: String? {
        let formats = [Self.format, Self.formatWithFeatures, Self.formatAtQueryEnd, Self.formatWithHiddenLayer]
        if !formats.contains(format) {
            return "format '\(format)', expected one of " + formats.map { "'\($0)'" }.joined(separator: ", ")
        }
        if (hidden != nil) != (format == Self.formatWithHiddenLayer) {
            return "format '\(format)' does not match whether the head has a hidden layer"
        }
        if hidden == nil && features.endsAtQuery != (format == Self.formatAtQueryEnd) {
            return "format '\(format)' does not match where the features are read (\(features.position.rawValue))"
        }
        if features.pooledBlocks.contains(where: { $0 < 0 }) { return "pooled_blocks must be block numbers >= 0" }
        if featureSize < 1 { return "feature_size \(featureSize) is too small" }
        if mean.count != featureSize || scale.count != featureSize { return "mean/scale must hold feature_size values" }
        if let problem = hidden?.shapeProblem(featureSize: featureSize, largestValue: Self.largestValue) { return problem }
        let inputs = hidden?.units ?? featureSize
        if weights.count != 5 || weights.contains(where: { $0.count != inputs }) || bias.count != 5 {
            return hidden == nil ? "weights must be 5 x feature_size and bias 5 values"
                : "weights must be 5 x the hidden layer's units and bias 5 values"
        }
        if scale.contains(where: { !($0 > 0) }) || (mean + bias + weights.joined()).contains(where: { !$0.isFinite }) {
            return "non-finite values or non-positive scales"
        }
        // What `train` writes is far inside these bounds (scales >= 1e-6, weights of standardised
        // features); values past them can only make the head's arithmetic overflow.
        if (mean + bias + weights.joined() + scale).contains(where: { abs($0) > Self.largestValue })
            || scale.contains(where: { $0 < Self.smallestScale }) {
            return "values beyond +-\(Self.largestValue) or scales below \(Self.smallestScale)"
        }
        if !(0...1).contains(threshold) { return "threshold must be between 0 and 1" }
        if HeadTarget(rawValue: target) == nil { return "unknown target '\(target)'" }
        if let problem = neighbourhood?.shapeProblem(featureSize: featureSize) { return problem }
        if let problem = obviousPrior?.shapeProblem(features: features, featureSize: featureSize) { return problem }
        if let experts {
            if experts.isEmpty || experts.count > 5 { return "a mixture needs 1 to 5 experts" }
            for expert in experts {
                if expert.features != features || expert.featureSize != featureSize { return "expert '\(expert.name)' reads other features" }
                if expert.experts != nil || expert.obviousPrior != nil || expert.hidden != nil {
                    return "experts cannot have experts, a prior or a hidden layer"
                }
                if let problem = expert.shapeProblem { return "expert '\(expert.name)': \(problem)" }
            }
        }
        return nil
    }

    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: return "invalid JSON"
        }
    }
}
