import Foundation

/// RouteLLM-style figures, hand-written SVG: per benchmark, the mean score against the share of
/// strong-model calls, one line per router, random, the length rule and oracle dashed, the two models' means as
/// dotted reference lines.
public enum SVGPlot {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79", "#e7969c", "#637939"]

    public static func render(_ reports: [BenchmarkReport]) -> String {
        let panelWidth = 460.0, plotHeight = 340.0
        let legendHeight = 14.0 * Double(reports.map(\.routers.count).max() ?? 0) + 10
        let width = panelWidth * Double(max(1, reports.count)), height = plotHeight + 40 + legendHeight
        var svg = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>

        """
        for (index, report) in reports.enumerated() {
            svg += panel(report, x0: Double(index) * panelWidth, width: panelWidth, height: plotHeight)
        }
        return svg + "</svg>\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func panel(_ report: BenchmarkReport, x0: Double, width: Double, height: Double) -> String {
        let left = x0 + 55, right = x0 + width - 15, top = 40.0, bottom = height - 10
        let strong = report.dataset.strongMean, weak = report.dataset.weakMean
        let scores = report.routers.flatMap(\.curve.scores) + [strong, weak]
        let span = max(1e-9, scores.max()! - scores.min()!)
        let low = scores.min()! - span * 0.05, high = scores.max()! + span * 0.05
        func px(_ share: Double) -> Double { left + share * (right - left) }
        func py(_ score: Double) -> Double { bottom - (score - low) / (high - low) * (bottom - top) }
        var out = "<g>\n<text x=\"\(format((left + right) / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(report.dataset.name)) (\(report.split.rawValue), n=\(report.dataset.rows.count))</text>\n"
        out += "<rect x=\"\(format(left))\" y=\"\(format(top))\" width=\"\(format(right - left))\" height=\"\(format(bottom - top))\" fill=\"none\" stroke=\"#444\"/>\n"
        for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
            out += "<line x1=\"\(format(px(tick)))\" y1=\"\(format(bottom))\" x2=\"\(format(px(tick)))\" y2=\"\(format(bottom + 4))\" stroke=\"#444\"/>"
            out += "<text x=\"\(format(px(tick)))\" y=\"\(format(bottom + 15))\" text-anchor=\"middle\">\(Int(tick * 100))%</text>\n"
        }
        for k in 0...4 {
            let value = low + (high - low) * Double(k) / 4
            out += "<text x=\"\(format(left - 5))\" y=\"\(format(py(value) + 4))\" text-anchor=\"end\">\(String(format: "%.3g", value))</text>\n"
        }
        out += "<text x=\"\(format((left + right) / 2))\" y=\"\(format(bottom + 29))\" text-anchor=\"middle\">strong-model calls</text>\n"
        out += "<text transform=\"translate(\(format(x0 + 14)) \(format((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">mean score</text>\n"
        for (value, name) in [(strong, "strong"), (weak, "weak")] {
            out += "<line x1=\"\(format(left))\" y1=\"\(format(py(value)))\" x2=\"\(format(right))\" y2=\"\(format(py(value)))\" stroke=\"#999\" stroke-dasharray=\"1 3\"/>"
            out += "<text x=\"\(format(right - 3))\" y=\"\(format(py(value) - 3))\" text-anchor=\"end\" fill=\"#777\">\(name) \(String(format: "%.3f", value))</text>\n"
        }
        var colour = 0
        for (i, router) in report.routers.enumerated() {
            let isLength = router.name.hasPrefix("length (")
            let baseline = router.name == "random" || router.name == "oracle" || isLength
            let stroke = router.name == "random" ? "#777" : router.name == "oracle" ? "#000"
                : isLength ? (router.name.contains("longer") ? "#b58900" : "#cb4b16") : palette[colour % palette.count]
            if !baseline { colour += 1 }
            let points = BenchmarkReport.percentPoints(router.curve).map { "\(format(px($0.0))),\(format(py($0.1)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"1.6\"\(baseline ? " stroke-dasharray=\"5 4\"" : "") points=\"\(points)\"/>\n"
            // The legend sits under the plot, one router a line.
            let ly = bottom + 50 + Double(i) * 14
            out += "<line x1=\"\(format(left))\" y1=\"\(format(ly - 4))\" x2=\"\(format(left + 20))\" y2=\"\(format(ly - 4))\" stroke=\"\(stroke)\" stroke-width=\"1.6\"\(baseline ? " stroke-dasharray=\"5 4\"" : "")/>"
            out += "<text x=\"\(format(left + 25))\" y=\"\(format(ly))\">\(escape(router.name)) (APGR \(String(format: "%.3f", router.apgr)))</text>\n"
        }
        return out + "</g>\n"
    }
}
