import Foundation
import RouterCore

/// All routers' figures on one benchmark, as a table or as JSON.
public struct BenchmarkReport: Sendable {
    public var dataset: BenchmarkDataset
    public var split: BenchmarkDataset.Split
    /// Model routers first, then the baselines: random, the prompt-length rule both ways, oracle.
    public var routers: [RouterReport]

    public init(dataset: BenchmarkDataset, split: BenchmarkDataset.Split, models: [RouterReport], fullRows: Int? = nil) {
        self.dataset = dataset
        self.split = split
        self.routers = models + [.random(dataset), .length(dataset, longerFirst: true), .length(dataset, longerFirst: false),
                                 .oracle(dataset)]
    }

    private static func percent(_ value: Double?) -> String {
        value.map { String(format: "%5.1f%%", $0 * 100) } ?? "   n/a"
    }

    public var table: String {
        var out = "\(dataset.name) (\(split.rawValue), n=\(dataset.rows.count)): strong mean \(String(format: "%.4f", dataset.strongMean)), weak mean \(String(format: "%.4f", dataset.weakMean))\n"
        let width = max(24, routers.map(\.name.count).max() ?? 0)
        out += "router".padding(toLength: width, withPad: " ", startingAt: 0)
            + "   APGR  CPT(50%)  CPT(80%)    acc    MAE  AUC(>=4)  ms/query\n"
        for r in routers {
            out += r.name.padding(toLength: width, withPad: " ", startingAt: 0)
            out += String(format: "  %5.3f", r.apgr) + "    " + Self.percent(r.cpt50) + "    " + Self.percent(r.cpt80)
            if let a = r.agreement {
                out += String(format: "  %5.3f  %5.2f", a.accuracy, a.meanAbsoluteError)
                out += a.weakGoodEnoughAUC.map { String(format: "     %5.3f", $0) } ?? "       n/a"
            } else {
                out += "      -      -         -"
            }
            out += r.millisecondsPerQuery.map { String(format: "  %8.1f", $0) } ?? "         -"
            out += "\n"
        }
        return out
    }

    /// `{"benchmark", "n", "split", "strong_mean", "weak_mean", "routers": {name: {...}}}`; curves at 1% steps.
    public var json: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        let routerFields: [(String, JSONValue)] = routers.map { r in
            var fields: [(String, JSONValue)] = [("apgr", .number(r.apgr)), ("cpt50", number(r.cpt50)), ("cpt80", number(r.cpt80))]
            if let a = r.agreement {
                fields += [("accuracy", .number(a.accuracy)), ("mae", .number(a.meanAbsoluteError)),
                           ("auc_weak_good_enough", number(a.weakGoodEnoughAUC)),
                           ("confusion", .array(a.confusion.map { .array($0.map(JSONValue.int)) }))]
            }
            if let ms = r.millisecondsPerQuery { fields.append(("ms_per_query", .number(ms))) }
            let points = Self.percentPoints(r.curve)
            fields.append(("curve", .object([("strong_share", .array(points.map { .number($0.0) })),
                                             ("score", .array(points.map { .number($0.1) }))])))
            return (r.name, .object(fields))
        }
        return .object([
            ("benchmark", .string(dataset.name)), ("split", .string(split.rawValue)), ("n", .int(dataset.rows.count)),
            ("strong_mean", .number(dataset.strongMean)), ("weak_mean", .number(dataset.weakMean)),
            ("routers", .object(routerFields)),
        ])
    }

    /// The curve sampled at strong-call shares 0%, 1%, ..., 100% (the nearest point at or below).
    static func percentPoints(_ curve: QualityCurve) -> [(Double, Double)] {
        (0...100).map { step in
            let x = Double(step) / 100
            let k = curve.shares.lastIndex { $0 <= x + 1e-12 } ?? 0
            return (x, curve.scores[k])
        }
    }
}
