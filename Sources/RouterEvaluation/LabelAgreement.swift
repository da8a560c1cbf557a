/// How well predicted 1-5 distributions match the true labels.
public struct LabelAgreement: Equatable, Sendable {
    /// Share of rows whose argmax label equals the true label.
    public let accuracy: Double
    /// Mean |argmax label - true label|.
    public let meanAbsoluteError: Double
    /// confusion[true - 1][predicted - 1] = rows.
    public let confusion: [[Int]]
    /// ROC-AUC of P(label >= 4) for "the weak model is good enough" (true label >= 4); nil when
    /// the rows hold only one class.
    public let weakGoodEnoughAUC: Double?

    public init(distributions: [[Double]], labels: [Int]) {
        precondition(distributions.count == labels.count)
        var confusion = Array(repeating: Array(repeating: 0, count: 5), count: 5)
        var correct = 0, absolute = 0
        for (p, truth) in zip(distributions, labels) {
            var predicted = 0
            for i in p.indices where p[i] > p[predicted] { predicted = i }
            confusion[truth - 1][predicted] += 1
            if predicted + 1 == truth { correct += 1 }
            absolute += abs(predicted + 1 - truth)
        }
        let n = Double(max(1, labels.count))
        self.accuracy = Double(correct) / n
        self.meanAbsoluteError = Double(absolute) / n
        self.confusion = confusion
        self.weakGoodEnoughAUC = Self.auc(scores: distributions.map { $0[3] + $0[4] }, positives: labels.map { $0 >= 4 })
    }

    /// ROC-AUC as the Mann-Whitney statistic (ties count one half).
    static func auc(scores: [Double], positives: [Bool]) -> Double? {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var ranks = Array(repeating: 0.0, count: scores.count)
        var i = 0
        while i < order.count {
            var j = i
            while j < order.count && scores[order[j]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j + 1) / 2
            for k in i..<j { ranks[order[k]] = rank }
            i = j
        }
        let p = Double(positives.filter { $0 }.count), q = Double(positives.count) - p
        guard p > 0 && q > 0 else { return nil }
        let positiveRanks = zip(ranks, positives).filter(\.1).map(\.0).reduce(0, +)
        return (positiveRanks - p * (p + 1) / 2) / (p * q)
    }
}
