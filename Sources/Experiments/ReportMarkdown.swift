import Fairness
import Foundation

/// report.md: tables shaped like the paper's (accuracy, Ψ_PW, max ψ_g, tolerance; per-group rows).
public enum ReportMarkdown {
  static func pct(_ x: Double?) -> String { x.map { String(format: "%.2f", 100 * $0) } ?? "–" }

  /// Per-group tables list at most this many groups: the worst by ψ_g.
  public static let maxGroupRows = 20

  public static func render(_ reports: [RunReport], maxGroupRows: Int = maxGroupRows) -> String {
    guard let first = reports.first else { return "" }
    var out = ["# FairPrune report", "",
               "Sparsity target \(pct(first.sparsityTarget))%, tolerance ε = \(pct(first.tolerance))%, seed \(first.seed). " +
               "All numbers in percent; ψ_g = Δ_g − Δ (excess accuracy gap), Ψ_PW = max ψ − min ψ; " +
               "on held-out splits max ψ_g carries its 95% interval [low, high].", ""]
    let splits = ["train", "val", "test"].filter { s in reports.contains { $0.splits[s] != nil } }
    var header = "| method | sparsity | tol ε |"
    var rule = "|---|---|---|"
    for s in splits {
      header += " \(s) acc | \(s) Δ | \(s) Ψ_PW | \(s) max ψ_g |"
      rule += "---|---|---|---|"
    }
    out += [header + " feasible (train) |", rule + "---|"]
    for r in reports {
      // CEAG trains to ε and class offsets are searched to meet it; other methods have no tolerance.
      let targetsTolerance = r.method.hasPrefix("ceag") || r.classOffsets != nil
      var row = "| \(r.displayName) | \(pct(r.achievedSparsity)) | \(targetsTolerance ? "≤ " + pct(r.tolerance) : "–") |"
      for s in splits {
        let m = r.splits[s]
        let interval = m?.maxExcessGapInterval.map { " [\(pct($0.lowerBound)), \(pct($0.upperBound))]" } ?? ""
        row += " \(pct(m?.accuracy)) | \(pct(m?.gap)) | \(pct(m?.psiPW)) | \(pct(m?.maxExcessGap))\(interval) |"
      }
      out.append(row + " \(r.verdict) |")
    }
    out += ["", "Δ: the overall accuracy drop from the dense model. Feasible: every constrained group's train ψ_g ≤ ε, "
            + "and the model kept at least a quarter of the dense model's accuracy above the majority-class rate."]
    for s in splits {
      out += ["", "## Per group, \(s) split", ""]
      var h = "| group | count | dense acc |"
      var rl = "|---|---|---|"
      for r in reports {
        h += " \(r.displayName) acc | \(r.displayName) ψ_g |"
        rl += "---|---|"
      }
      out += [h, rl]
      guard let groups = reports[0].splits[s]?.groups else { continue }
      let shown = worstGroups(reports, split: s, limit: maxGroupRows)
      for i in shown {
        let g = groups[i]
        var row = "| \(g.name)\(g.constrained ? "" : " *") | \(g.count) | \(pct(g.denseAccuracy)) |"
        for r in reports {
          let rg = r.splits[s].flatMap { i < $0.groups.count ? $0.groups[i] : nil }
          row += " \(pct(rg?.accuracy)) | \(pct(rg?.excessGap)) |"
        }
        out.append(row)
      }
      if shown.count < groups.count {
        out += ["", "The \(shown.count) groups with the largest ψ_g of \(groups.count) (\(groups.filter(\.isPresent).count) present); "
                + "every group, with its accuracy's 95% interval, is in report.json." + quantileSummary(reports, split: s)]
      }
      if groups.contains(where: { !$0.constrained }) {
        out += ["", "\\* too few training samples (`min_group_size`): reported, not constrained, and not counted in Ψ_PW, max ψ_g or the verdict."]
      }
    }
    var text = out.joined(separator: "\n") + "\n"
    // Several seeds of one setting: their mean ± std, as a sweep reports them.
    let rows = SweepRun.summarize(reports)
    if rows.contains(where: { $0.seeds > 1 }) {
      text += "\n" + SweepRun.render(rows).replacingOccurrences(of: "# FairPrune sweep", with: "## Over seeds")
    }
    return text
  }

  /// Indices of the groups to list: all when they fit, else the `limit` with the largest ψ_g in
  /// any report (present groups first), in group order.
  static func worstGroups(_ reports: [RunReport], split: String, limit: Int) -> [Int] {
    guard let count = reports.first?.splits[split]?.groups.count else { return [] }
    guard count > limit else { return Array(0..<count) }
    func worst(_ g: Int) -> Double {
      reports.compactMap { r in r.splits[split].flatMap { g < $0.groups.count ? $0.groups[g].excessGap : nil } }.max() ?? -.infinity
    }
    let ranked = (0..<count).map { ($0, worst($0)) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    return ranked.prefix(limit).map(\.0).sorted()
  }

  /// " Quantiles of ψ_g: …" of the first report, when it has them.
  static func quantileSummary(_ reports: [RunReport], split: String) -> String {
    guard let r = reports.first, let q = r.splits[split]?.excessGapQuantiles, !q.isEmpty else { return "" }
    return " ψ_g quantiles (\(r.method)): " + q.map { "\(Int(100 * $0.level))%: \(pct($0.value))" }.joined(separator: ", ") + "."
  }
}
