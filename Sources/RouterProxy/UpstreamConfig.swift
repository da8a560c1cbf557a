import Foundation
import RouterCore
import RouterServer

/// The proxy's upstreams, from `serve --upstreams FILE` or the same keys in the decision config.
///
/// Two tiers: `{"strong": UPSTREAM, "weak": UPSTREAM}`, routed by the config's threshold. More:
/// `{"tiers": [{"name": "small", "upstream": UPSTREAM, "max_strong_win_rate": 0.3}, ...,
/// {"name": "large", "upstream": UPSTREAM}]}`, smallest first: the first tier whose bound is
/// above a query's strong win rate answers. UPSTREAM is `{"base_url": "http://host:port/v1",
/// "model": "name sent upstream", "api_key_env": "VAR"}` (`api_key_env` optional). Optional:
/// `"timeouts": {"connect_ms", "first_byte_ms", "total_ms"}`, `"breaker": {"failures",
/// "cooldown_ms", "max_cooldown_ms"}`.
public struct UpstreamConfig: Equatable, Sendable {
    /// Smallest first; the two-tier form is `[weak, strong]`.
    public var tiers: [ProxyTier]
    /// The `strong`/`weak` form: the route decides the tier.
    public var isTwoTier: Bool
    public var timeouts = UpstreamTimeouts()
    public var breaker = BreakerPolicy()

    public static let keys = ["strong", "weak", "tiers", "timeouts", "breaker"]

    public init(tiers: [ProxyTier], isTwoTier: Bool, timeouts: UpstreamTimeouts = UpstreamTimeouts(), breaker: BreakerPolicy = BreakerPolicy()) {
        precondition(!isTwoTier || tiers.count == 2, "the strong/weak form is two tiers, [weak, strong]")
        self.tiers = tiers
        self.isTwoTier = isTwoTier
        self.timeouts = timeouts
        self.breaker = breaker
    }

    /// Reads an upstreams file; `otherKeys` are keys the file may also hold (the decision
    /// config's, when the upstreams live there).
    public static func load(path: String, otherKeys: [String] = [],
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(UpstreamConfigError) -> UpstreamConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UpstreamConfigError(path: path, reason: "cannot read the file")
        }
        return try parse(data, path: path, otherKeys: otherKeys, environment: environment)
    }

    /// Whether a decision config file names upstreams (so `serve` proxies without --upstreams).
    public static func namesUpstreams(path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["strong"] != nil || object["weak"] != nil || object["tiers"] != nil
    }

    public static func parse(_ data: Data, path: String, otherKeys: [String] = [],
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws(UpstreamConfigError) -> UpstreamConfig {
        func fail(_ reason: String) -> UpstreamConfigError { UpstreamConfigError(path: path, reason: reason) }
        guard let object = try? JSONSerialization.jsonObject(with: data), let top = object as? [String: Any] else {
            throw fail("not a JSON object")
        }
        if let unknown = top.keys.sorted().first(where: { !keys.contains($0) && !otherKeys.contains($0) }) {
            throw fail("unknown key \"\(unknown)\" (known: \(keys.joined(separator: ", ")))")
        }
        var config: UpstreamConfig
        switch (top["strong"], top["weak"], top["tiers"]) {
        case (let strong?, let weak?, nil):
            config = UpstreamConfig(tiers: [
                ProxyTier(upstream: try upstream(weak, name: "weak", key: "weak", environment: environment, fail: fail), maxStrongWinRate: nil),
                ProxyTier(upstream: try upstream(strong, name: "strong", key: "strong", environment: environment, fail: fail), maxStrongWinRate: nil),
            ], isTwoTier: true)
        case (nil, nil, let tiers?):
            guard let list = tiers as? [Any], list.count >= 2 else { throw fail("\"tiers\" must be a list of at least two tiers") }
            var parsed: [ProxyTier] = []
            for (index, item) in list.enumerated() {
                let key = "tiers[\(index)]"
                guard let tier = item as? [String: Any] else { throw fail("\(key) must be an object") }
                if let unknown = tier.keys.sorted().first(where: { !["name", "upstream", "max_strong_win_rate"].contains($0) }) {
                    throw fail("\(key): unknown key \"\(unknown)\"")
                }
                guard let name = tier["name"] as? String, !name.isEmpty else { throw fail("\(key).name must be a non-empty string") }
                guard !parsed.contains(where: { $0.name == name }) else { throw fail("\(key): the name \"\(name)\" is used twice") }
                guard let upstreamObject = tier["upstream"] else { throw fail("\(key).upstream is missing") }
                let bound = tier["max_strong_win_rate"]
                let isLast = index == list.count - 1
                var maximum: Double?
                if let bound, !(bound is NSNull) {
                    guard let number = bound as? NSNumber,
                          (0...1).contains(number.doubleValue) else {
                        throw fail("\(key).max_strong_win_rate must be a number between 0 and 1")
                    }
                    maximum = number.doubleValue
                }
                if !isLast && maximum == nil { throw fail("\(key).max_strong_win_rate is missing (only the last tier may leave it out)") }
                if let maximum, let previous = parsed.last?.maxStrongWinRate, maximum <= previous {
                    throw fail("\(key).max_strong_win_rate must be above the previous tier's")
                }
                parsed.append(ProxyTier(upstream: try upstream(upstreamObject, name: name, key: "\(key).upstream",
                                                               environment: environment, fail: fail),
                                        maxStrongWinRate: isLast ? nil : maximum))
            }
            config = UpstreamConfig(tiers: parsed, isTwoTier: false)
        case (_, _, nil):
            throw fail("give both \"strong\" and \"weak\" upstreams (or \"tiers\")")
        default:
            throw fail("give \"strong\" and \"weak\", or \"tiers\", not both")
        }
        if let timeouts = top["timeouts"] {
            let values = try milliseconds(timeouts, key: "timeouts", allowed: ["connect_ms", "first_byte_ms", "total_ms"], fail: fail)
            config.timeouts = UpstreamTimeouts(connectMs: values["connect_ms"] ?? config.timeouts.connectMs,
                                               firstByteMs: values["first_byte_ms"] ?? config.timeouts.firstByteMs,
                                               totalMs: values["total_ms"] ?? config.timeouts.totalMs)
        }
        if let breaker = top["breaker"] {
            let values = try milliseconds(breaker, key: "breaker", allowed: ["failures", "cooldown_ms", "max_cooldown_ms"], fail: fail)
            config.breaker = BreakerPolicy(failureThreshold: values["failures"] ?? config.breaker.failureThreshold,
                                           cooldownMs: values["cooldown_ms"] ?? config.breaker.cooldownMs,
                                           maxCooldownMs: values["max_cooldown_ms"] ?? config.breaker.maxCooldownMs)
        }
        return config
    }

    private static func upstream(_ value: Any, name: String, key: String, environment: [String: String],
                                 fail: (String) -> UpstreamConfigError) throws(UpstreamConfigError) -> UpstreamEndpoint {
        guard let object = value as? [String: Any] else { throw fail("\"\(key)\" must be an object") }
        if let unknown = object.keys.sorted().first(where: { !["base_url", "model", "api_key_env"].contains($0) }) {
            throw fail("\(key): unknown key \"\(unknown)\" (known: base_url, model, api_key_env)")
        }
        guard let base = object["base_url"] as? String, base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw fail("\(key).base_url must be an http:// or https:// URL")
        }
        guard let model = object["model"] as? String, !model.isEmpty else { throw fail("\(key).model must be a non-empty string") }
        guard model != "router" && !model.hasPrefix("router-") else { throw fail("\(key).model must not be \"router\" or \"router-...\"") }
        var variable: String?
        var apiKey: String?
        if let envName = object["api_key_env"] {
            guard let envName = envName as? String, !envName.isEmpty else { throw fail("\(key).api_key_env must be a variable name") }
            guard let value = environment[envName], !value.isEmpty else {
                throw fail("\(key).api_key_env: the environment variable \(envName) is not set")
            }
            variable = envName
            apiKey = value
        }
        return UpstreamEndpoint(name: name, baseURL: base, model: model, apiKeyVariable: variable, apiKey: apiKey)
    }

    private static func milliseconds(_ value: Any, key: String, allowed: [String],
                                     fail: (String) -> UpstreamConfigError) throws(UpstreamConfigError) -> [String: Int] {
        guard let object = value as? [String: Any] else { throw fail("\"\(key)\" must be an object") }
        var values: [String: Int] = [:]
        for (name, item) in object {
            guard allowed.contains(name) else { throw fail("\(key): unknown key \"\(name)\" (known: \(allowed.joined(separator: ", ")))") }
            guard let number = item as? NSNumber, number.doubleValue >= 1, number.doubleValue <= 86_400_000,
                  number.doubleValue == number.doubleValue.rounded() else {
                throw fail("\(key).\(name) must be a whole number from 1 to 86400000")
            }
            values[name] = number.intValue
        }
        return values
    }

    /// How a verdict picks its tier (`TierChoice`: by route for two tiers, else by the bounds).
    public var tierChoice: TierChoice {
        isTwoTier ? .byRoute : .byWinRate(upperBounds: tiers.map(\.maxStrongWinRate))
    }

    /// Where a failed tier's request goes once: strong <-> weak; with more tiers the next larger
    /// one (the largest: the next smaller).
    func failoverIndex(after index: Int) -> Int {
        if isTwoTier { return 1 - index }
        return index + 1 < tiers.count ? index + 1 : index - 1
    }

    /// The tier serving a model name, for requests that name an upstream model.
    func tierIndex(servingModel model: String) -> Int? {
        tiers.firstIndex { $0.upstream.model == model }
    }
}
