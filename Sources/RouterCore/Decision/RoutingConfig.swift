import Foundation

/// The decision module's settings, read from a JSON file:
/// `{"strong_model": "...", "weak_model": "...", "threshold": 0.5, "fallback_route": "strong"}`.
/// Every key is optional (defaults below); unknown keys are refused so typos do not pass silently.
public struct RoutingConfig: Equatable, Sendable {
    public var strongModel: String
    public var weakModel: String
    /// Route to the strong model when the strong-model win rate P(1)+P(2)+P(3) >= threshold.
    public var threshold: Double
    /// Where the server sends a query it could not score in time (fail-open).
    public var fallbackRoute: Route
    /// Where queries outside the head's training data go (`ood_route`: strong, weak or model).
    public var oodRoute: OutOfDistributionRoute = .strong
    /// What each model costs, for `calibrate`'s savings estimate (optional).
    public var prices: ModelPrices?
    /// Session affinity's rule (`session_upgrade_margin`, `session_allow_downgrade`).
    public var sessionPolicy = SessionPolicy()

    public static let defaultStrongModel = "gpt-4-1106-preview"
    public static let defaultWeakModel = "mixtral-8x7b-instruct-v0.1"
    /// The median strong-model win rate of the default model and template on the GSM8K train
    /// split (docs/ and README), so about half of such traffic goes to the strong model.
    public static let defaultThreshold = 0.847

    public init(strongModel: String = defaultStrongModel, weakModel: String = defaultWeakModel,
                threshold: Double = defaultThreshold, fallbackRoute: Route = .strong) throws(RouterError) {
        guard (0...1).contains(threshold) else { throw .thresholdOutOfRange(threshold) }
        self.strongModel = strongModel
        self.weakModel = weakModel
        self.threshold = threshold
        self.fallbackRoute = fallbackRoute
    }

    public static let keys = ["strong_model", "weak_model", "threshold", "fallback_route", "ood_route",
                              "strong_price_per_request", "weak_price_per_request",
                              "strong_price_per_1k_tokens", "weak_price_per_1k_tokens",
                              "session_upgrade_margin", "session_allow_downgrade"]
    /// The proxy's upstream keys (`serve` reads them; see RouterProxy's UpstreamConfig), allowed here too.
    public static let upstreamKeys = ["strong", "weak", "tiers", "timeouts", "breaker"]

    /// Reads a config file.
    public static func load(path: String) throws(RouterError) -> RoutingConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw .configNotFound(path: path) }
        return try parse(data, path: path)
    }

    /// Parses config JSON; `path` only names the source in errors.
    public static func parse(_ data: Data, path: String) throws(RouterError) -> RoutingConfig {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .configInvalid(path: path, reason: "not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw .configInvalid(path: path, reason: "the top level must be a JSON object")
        }
        if let unknown = dictionary.keys.sorted().first(where: { !keys.contains($0) && !upstreamKeys.contains($0) }) {
            throw .configInvalid(path: path, reason: "unknown key \"\(unknown)\" (known: \(keys.joined(separator: ", ")))")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.typeMismatch(_, context) {
            let key = context.codingPath.first?.stringValue ?? "?"
            let expected = key == "threshold" ? "a number between 0 and 1" : key == "fallback_route" ? "\"strong\" or \"weak\""
                : key == "ood_route" ? "\"strong\", \"weak\" or \"model\""
                : key == "session_upgrade_margin" ? "a number between 0 and 1" : key == "session_allow_downgrade" ? "true or false"
                : "a string"
            throw .configInvalid(path: path, reason: "\"\(key)\" must be \(expected)")
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.first?.stringValue == "fallback_route" {
            throw .configInvalid(path: path, reason: "\"fallback_route\" must be \"strong\" or \"weak\"")
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.first?.stringValue == "ood_route" {
            throw .configInvalid(path: path, reason: "\"ood_route\" must be \"strong\", \"weak\" or \"model\"")
        } catch {
            throw .configInvalid(path: path, reason: "not a valid config object")
        }
        for (key, value) in [("strong_model", file.strong_model), ("weak_model", file.weak_model)] {
            if let value, value.trimmingCharacters(in: .whitespaces).isEmpty {
                throw .configInvalid(path: path, reason: "\"\(key)\" must not be empty")
            }
        }
        let threshold = file.threshold ?? defaultThreshold
        guard (0...1).contains(threshold) else {
            throw .configInvalid(path: path, reason: "\"threshold\" must be between 0 and 1, got \(threshold)")
        }
        var config = try RoutingConfig(strongModel: file.strong_model ?? defaultStrongModel,
                                       weakModel: file.weak_model ?? defaultWeakModel,
                                       threshold: threshold, fallbackRoute: file.fallback_route ?? .strong)
        config.oodRoute = file.ood_route ?? .strong
        config.prices = try ModelPrices(file: file, path: path)
        let margin = file.session_upgrade_margin ?? SessionPolicy.defaultUpgradeMargin
        guard (0...1).contains(margin) else {
            throw .configInvalid(path: path, reason: "\"session_upgrade_margin\" must be between 0 and 1, got \(margin)")
        }
        config.sessionPolicy = SessionPolicy(upgradeMargin: margin, allowDowngrade: file.session_allow_downgrade ?? false)
        return config
    }

    /// The file's shape; every key optional.
    struct File: Decodable {
        var strong_model: String?
        var weak_model: String?
        var threshold: Double?
        var fallback_route: Route?
        var ood_route: OutOfDistributionRoute?
        var strong_price_per_request: Double?
        var weak_price_per_request: Double?
        var strong_price_per_1k_tokens: Double?
        var weak_price_per_1k_tokens: Double?
        var session_upgrade_margin: Double?
        var session_allow_downgrade: Bool?
    }
}
