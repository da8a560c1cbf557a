import RouterCore
import RouterEvaluation

/// What a student head is fitted to when it is distilled (`train --teacher`): for every row, the
/// teacher head's strong-model win rate on the teacher's own model, mixed with the row's grade
/// where it has one. The student learns the teacher's ranking of prompts no one graded, and
/// routes at the same strong share as the teacher on the training rows.
public struct DistillationTargets: Sendable {
    /// The teacher's strong-model win rate of each row (all data files' rows, in order).
    public var teacherWinRates: [Double]
    /// The share of the target taken from the teacher; the rest from the row's grade (as
    /// `strong_better`: the strong model clearly wins or not). Ungraded rows take the teacher's alone.
    public var teacherWeight: Double
    /// The teacher's threshold: the student's is set so that it routes the same share of the
    /// training rows to the strong model.
    public var teacherThreshold: Double

    public init(teacherWinRates: [Double], teacherWeight: Double, teacherThreshold: Double) {
        self.teacherWinRates = teacherWinRates
        self.teacherWeight = teacherWeight
        self.teacherThreshold = teacherThreshold
    }

    /// Row i's target: the probability that the strong model is needed (a `strong_better`
    /// head's label 1), the teacher's win rate mixed with the row's grade.
    func strongWinProbability(row i: Int, _ row: BenchmarkRow) -> Double {
        var strong = teacherWinRates[i]
        if row.isGraded {
            let graded: Double = HeadTarget.strongBetter.trainingLabel(for: row.label) == 1 ? 1 : 0
            strong = teacherWeight * strong + (1 - teacherWeight) * graded
        }
        return min(1, max(0, strong))
    }

    /// The share of the training rows the teacher routes to the strong model.
    var teacherStrongShare: Double {
        Double(teacherWinRates.filter { $0 >= teacherThreshold }.count) / Double(max(1, teacherWinRates.count))
    }
}
