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
        var baselines: [RouterReport] = [.random(dataset), .length(dataset, longerFirst: true), .length(dataset, longerFirst: false),
                                         .oracle(dataset)]
        if let reference = models.compactMap(\.separation).last {
            // The baselines have no threshold: each is cut where the last model router's (the
            // head's, when there is one) threshold cut, at the same strong-call share.
            let rows = dataset.rows
            let share = reference.routedStrong
            let lengths = rows.map { Double($0.prompt.count) }
            baselines[0].separation = .random(rows: rows, strongShare: share)
            baselines[1].separation = ClassSeparation(rows: rows, scores: lengths, strongShare: share)
            baselines[2].separation = ClassSeparation(rows: rows, scores: lengths.map { -$0 }, strongShare: share)
            baselines[3].separation = ClassSeparation(rows: rows, scores: rows.map { $0.strongScore - $0.weakScore }, strongShare: share)
        }
        self.routers = models + baselines
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
        if routers.contains(where: { $0.separation != nil }) { out += separationTable }
        return out
    }

    /// The obvious-cases section: AUC (hard above easy) and each class's share routed strong.
    private var separationTable: String {
        let reports = routers.filter { $0.separation != nil }
        let first = reports[0].separation!
        var out = "obvious cases (easy n=\(first.easyCount), hard n=\(first.hardCount)): AUC = hard ranked above easy; "
            + "routed strong at the router's threshold (baselines: at the last router's strong share)\n"
        let width = max(24, reports.map(\.name.count).max() ?? 0)
        out += "router".padding(toLength: width, withPad: " ", startingAt: 0) + "  AUC(hard>easy)  easy->strong  hard->strong  threshold\n"
        for r in reports {
            let s = r.separation!
            out += r.name.padding(toLength: width, withPad: " ", startingAt: 0)
            out += (s.auc.map { String(format: "  %14.3f", $0) } ?? "             n/a")
            out += "        " + Self.percent(s.easyRoutedStrong) + "        " + Self.percent(s.hardRoutedStrong)
            out += s.threshold.map { String(format: "     %6.4f", $0) } ?? "          -"
            out += "\n"
        }
        for r in reports where r.separation?.threshold != nil {
            let kinds = r.separation!.byCategory.map { "\($0.category.isEmpty ? "-" : $0.category) \(String(format: "%.0f%%", $0.routedStrong * 100))" }
            out += "\(r.name) routed strong by kind (\(kinds.count) kinds, easy first): " + kinds.joined(separator: ", ") + "\n"
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
            if let s = r.separation {
                fields.append(("obvious_cases", .object([
                    ("auc_hard_above_easy", number(s.auc)), ("threshold", number(s.threshold)),
                    ("easy_routed_strong", .number(s.easyRoutedStrong)), ("hard_routed_strong", .number(s.hardRoutedStrong)),
                    ("easy_n", .int(s.easyCount)), ("hard_n", .int(s.hardCount)),
                    ("by_kind", .object(s.byCategory.map { ($0.category, .object([("class", .string($0.hard ? "hard" : "easy")),
                                                                                   ("routed_strong", .number($0.routedStrong)),
                                                                                   ("n", .int($0.count))])) })),
                ])))
            }
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
