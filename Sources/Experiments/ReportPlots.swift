import Fairness
import Foundation
import Torch

/// The SVG plots of runs, in percent: per-epoch curves of one run, per-group bars of several.
public enum ReportPlots {
  /// Train/test (and val) max excess gap ψ_g per epoch, with the tolerance ε dashed.
  static func excessGapCurves(_ history: [EpochMetrics], method: String, tolerance: Double) -> SVGChart {
    var chart = SVGChart(title: "\(method): max excess accuracy gap per epoch", xLabel: "epoch", yLabel: "max ψ_g (%)",
                         kind: .lines, series: curves(history) { 100 * $0.maxExcessGap })
    chart.references = [("ε = \(percent(tolerance))", 100 * tolerance)]
    return chart
  }

  /// Train/test (and val) accuracy per epoch, with the dense accuracies dashed.
  static func accuracyCurves(_ history: [EpochMetrics], method: String) -> SVGChart {
    var chart = SVGChart(title: "\(method): accuracy per epoch", xLabel: "epoch", yLabel: "accuracy (%)",
                         kind: .lines, series: curves(history) { 100 * $0.accuracy })
    var seen = Set<String>()
    for m in history where seen.insert(m.split).inserted {
      chart.references.append(("dense \(m.split) \(percent(m.metrics.denseAccuracy))", 100 * m.metrics.denseAccuracy))
    }
    return chart
  }

  static func curves(_ history: [EpochMetrics], _ value: (DisparityMetrics) -> Double) -> [SVGChart.Series] {
    let splits = history.reduce(into: [String]()) { if !$0.contains($1.split) { $0.append($1.split) } }
    return splits.map { split in
      SVGChart.Series(name: split, values: history.filter { $0.split == split }.map { (Double($0.epoch + 1), value($0.metrics)) })
    }
  }

  /// Each group's excess gap ψ_g on `split`, one bar per run, with the largest tolerance dashed.
  /// Groups absent from the split have no bar.
  public static func groupExcessGaps(_ reports: [RunReport], split: String) -> SVGChart {
    let groups = reports.first?.groups ?? []
    let series = reports.map { r in
      SVGChart.Series(name: r.displayName, values: (r.splits[split]?.groups ?? []).enumerated().compactMap { i, g in
        g.excessGap.map { (Double(i), 100 * $0) }
      })
    }
    var chart = SVGChart(title: "Excess accuracy gap ψ_g per group (\(split))", xLabel: "group", yLabel: "ψ_g (%)",
                         kind: .bars(categories: groups), series: series)
    if let eps = reports.map(\.tolerance).max() { chart.references = [("ε = \(percent(eps))", 100 * eps)] }
    return chart
  }

  /// Writes `group_excess_gap_<split>.svg` into `folder` for each split some report has.
  public static func writeGroupCharts(_ reports: [RunReport], to folder: URL) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for split in ["train", "val", "test"] where reports.contains(where: { $0.splits[split] != nil }) {
      let url = folder.appendingPathComponent("group_excess_gap_\(split).svg")
      try AtomicFileWriter.write(Data(groupExcessGaps(reports, split: split).render().utf8), to: url)
    }
  }

  static func percent(_ v: Double) -> String { String(format: "%.1f%%", 100 * v) }
}
