/// RouteLLM's calibration: the threshold that sends a given share of some traffic to the strong
/// model (route strong when strong_win_rate >= threshold).
public enum ThresholdCalibration {
    /// The threshold for `strongFraction` of `winRates`: between the k-th and (k+1)-th highest
    /// win rate (k = fraction x rows, rounded), so exactly k rows route strong unless they tie.
    public static func threshold(winRates: [Double], strongFraction: Double) -> Double {
        precondition(!winRates.isEmpty && (0...1).contains(strongFraction))
        let sorted = winRates.sorted(by: >)
        let k = Int((strongFraction * Double(sorted.count)).rounded())
        if k == 0 { return min(1, sorted[0].nextUp) }
        if k >= sorted.count { return sorted[sorted.count - 1] }
        return sorted[k - 1] == sorted[k] ? sorted[k - 1] : (sorted[k - 1] + sorted[k]) / 2
    }

    /// Share of `winRates` at or above `threshold`.
    public static func strongShare(winRates: [Double], threshold: Double) -> Double {
        Double(winRates.filter { $0 >= threshold }.count) / Double(max(1, winRates.count))
    }
}
