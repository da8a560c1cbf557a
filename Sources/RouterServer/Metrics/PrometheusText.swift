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
}
