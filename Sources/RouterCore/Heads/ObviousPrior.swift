/// What every user expects of a router, put on a learned head: a greeting, a thank-you or a
/// unit conversion goes to the weak model, a proof or a systems design to the strong one,
/// whatever the head learned from judge preferences (which reward the strong model's longer
/// answer even to "hi"). A gate over the head's own features says how likely a query is
/// obviously easy, obviously hard or neither (trained on data/obvious/: the obvious-cases set's
/// train rows, and the head's training data with everyday prompts as "neither"). It moves the
/// head's win rate only across a band: an obviously easy query's win rate is brought down to at
/// most `easyCeiling`, an obviously hard one's up to at least `hardFloor`, each in proportion to
/// the gate's belief; a query the head was trained on (neither) keeps its win rate. The band's
/// edges are quantiles of the head's win rates on its training traffic, so the obvious cases
/// land on the right side of any threshold between them, and the order of the queries within
/// the band, which the head's quality on real traffic rests on, is what the head said
/// (docs/heads.md, round 9).
public struct ObviousPrior: Codable, Equatable, Sendable {
    /// The gate's classes (its first three labels).
    public static let easyClass = 1
    public static let hardClass = 2
    public static let neitherClass = 3

    /// A head over the same features whose labels 1, 2, 3 mean easy, hard, neither (linear, or
    /// reading a `HeadHiddenLayer`).
    public var gate: LabelHead {
        get { gateStorage[0] }
        set { gateStorage = [newValue] }
    }
    public var easyCeiling: Double
    public var hardFloor: Double
    /// An array only because a struct cannot hold its own type (a LabelHead holds this).
    private var gateStorage: [LabelHead]

    public init(gate: LabelHead, easyCeiling: Double, hardFloor: Double) {
        self.gateStorage = [gate]
        self.easyCeiling = easyCeiling
        self.hardFloor = hardFloor
    }

    enum CodingKeys: String, CodingKey {
        case gate, easyCeiling = "easy_ceiling", hardFloor = "hard_floor"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        gateStorage = [try c.decode(LabelHead.self, forKey: .gate)]
        easyCeiling = try c.decode(Double.self, forKey: .easyCeiling)
        hardFloor = try c.decode(Double.self, forKey: .hardFloor)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(gate, forKey: .gate)
        try c.encode(easyCeiling, forKey: .easyCeiling)
        try c.encode(hardFloor, forKey: .hardFloor)
    }

    /// P(easy), P(hard), P(neither) for a feature vector.
    public func beliefs(features: [Float]) -> (easy: Double, hard: Double, neither: Double) {
        let p = gate.distribution(features: features).probabilities
        let total = p[0] + p[1] + p[2]
        guard total > 0 else { return (0, 0, 1) }
        return (p[0] / total, p[1] / total, p[2] / total)
    }

    /// `head`'s distribution with the prior applied: P(neither) of it as it is, P(hard) of it
    /// raised to win rate `hardFloor` when below, P(easy) of it lowered to `easyCeiling` when above.
    public func apply(to head: LabelDistribution, features: [Float]) -> LabelDistribution {
        let belief = beliefs(features: features)
        let win = head.strongWinRate
        let raised = win < hardFloor ? Self.withWinRate(head, hardFloor) : head.probabilities
        let lowered = win > easyCeiling ? Self.withWinRate(head, easyCeiling) : head.probabilities
        return LabelDistribution(probabilities: (0..<5).map {
            belief.neither * head.probabilities[$0] + belief.hard * raised[$0] + belief.easy * lowered[$0]
        })
    }

    /// The distribution rescaled so that P(1) + P(2) + P(3) = `target`, the shape within each
    /// side kept (a side with no mass gets it on its extreme label).
    static func withWinRate(_ distribution: LabelDistribution, _ target: Double) -> [Double] {
        let p = distribution.probabilities
        let strong = p[0] + p[1] + p[2], weak = p[3] + p[4]
        var out = [Double](repeating: 0, count: 5)
        if strong > 0 { for k in 0..<3 { out[k] = p[k] * target / strong } } else { out[0] = target }
        if weak > 0 { for k in 3..<5 { out[k] = p[k] * (1 - target) / weak } } else { out[4] = 1 - target }
        return out
    }

    /// Why it does not fit a head reading `features` (`featureSize` values), if it does not.
    func shapeProblem(features: HeadFeatures, featureSize: Int) -> String? {
        if gate.features != features || gate.featureSize != featureSize { return "the obvious-cases prior reads other features" }
        if gate.experts != nil || gate.obviousPrior != nil { return "the obvious-cases prior's gate must be a plain head" }
        if !(0...1).contains(easyCeiling) || !(0...1).contains(hardFloor) || easyCeiling > hardFloor {
            return "the obvious-cases prior needs 0 <= easy_ceiling <= hard_floor <= 1"
        }
        if let problem = gate.shapeProblem { return "the obvious-cases prior's gate: \(problem)" }
        return nil
    }
}
