/// Values read from a /metrics page (Prometheus text).
public enum MetricsText {
    /// The value of `name` (with `labels` as written, e.g. `upstream="weak",status="200"`), 0 when absent.
    public static func value(_ name: String, _ labels: String = "", in text: String) -> Double {
        let key = labels.isEmpty ? name + " " : "\(name){\(labels)} "
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return Double(line.split(separator: " ").last!) ?? 0
        }
        return 0
    }
}
