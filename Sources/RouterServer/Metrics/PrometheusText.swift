/// Lines of the Prometheus text exposition format (0.0.4), for the sidecar's and the proxy's
/// metrics: every family is prefixed `causal_router_`.
public enum PrometheusText {
    /// The `# HELP` and `# TYPE` lines of a family.
    public static func family(_ name: String, _ type: String, _ help: String) -> String {
        "# HELP causal_router_\(name) \(help)\n# TYPE causal_router_\(name) \(type)\n"
    }

    /// One sample line; whole values print without a decimal point.
    public static func sample(_ name: String, _ labels: String, _ value: Double) -> String {
        let number = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        return "causal_router_\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(number)\n"
    }

    /// Samples of counts keyed by two label values joined by NUL (`"path\u{0}status"`), sorted.
    public static func pairs(_ name: String, _ counts: [String: Int], labels first: String, _ second: String) -> String {
        counts.sorted { $0.key < $1.key }.map { key, count in
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
            return sample(name, "\(first)=\"\(parts[0])\",\(second)=\"\(parts[1])\"", Double(count))
        }.joined()
    }

    /// A histogram's samples: cumulative `counts` per bucket bound, `+Inf`, sum and count;
    /// `labels` go on every line (empty for none).
    public static func histogram(_ name: String, labels: String = "", bounds: [Double], counts: [Int], count: Int, sum: Double) -> String {
        let prefix = labels.isEmpty ? "" : labels + ","
        var out = ""
        for (bound, n) in zip(bounds, counts) { out += sample(name + "_bucket", "\(prefix)le=\"\(bound)\"", Double(n)) }
        out += sample(name + "_bucket", "\(prefix)le=\"+Inf\"", Double(count))
        out += sample(name + "_sum", labels, sum)
        out += sample(name + "_count", labels, Double(count))
        return out
    }
}
