import Fairness
import Foundation

/// report.md: tables shaped like the paper's (accuracy, Ψ_PW, max ψ_g, tolerance; per-group rows).
public enum ReportMarkdown {
  static func pct(_ x: Double?) -> String { x.map { String(format: "%.2f", 100 * $0) } ?? "–" }

  public static func render(_ reports: [RunReport]) -> String {
    guard let first = reports.first else { return "" }
    var out = ["# FairPrune report", "",
               "Sparsity target \(pct(first.sparsityTarget))%, tolerance ε = \(pct(first.tolerance))%, seed \(first.seed). " +
               "All numbers in percent; ψ_g = Δ_g − Δ (excess accuracy gap), Ψ_PW = max ψ − min ψ; " +
               "on held-out splits max ψ_g carries its 95% interval [low, high].", ""]
    let splits = ["train", "val", "test"].filter { s in reports.contains { $0.splits[s] != nil } }
    var header = "| method | sparsity | tol ε |"
    var rule = "|---|---|---|"
    for s in splits {
      header += " \(s) acc | \(s) Ψ_PW | \(s) max ψ_g |"
      rule += "---|---|---|"
    }
    out += [header + " feasible (train) |", rule + "---|"]
    for r in reports {
      var row = "| \(r.method) | \(pct(r.achievedSparsity)) | \(r.method.hasPrefix("ceag") ? "≤ " + pct(r.tolerance) : "–") |"
      for s in splits {
        let m = r.splits[s]
        let interval = m?.maxExcessGapInterval.map { " [\(pct($0.lowerBound)), \(pct($0.upperBound))]" } ?? ""
        row += " \(pct(m?.accuracy)) | \(pct(m?.psiPW)) | \(pct(m?.maxExcessGap))\(interval) |"
      }
      out.append(row + " \(r.feasibleOnTrain ? "yes" : "no") |")
    }
    for s in splits {
      out += ["", "## Per group, \(s) split", ""]
      var h = "| group | count | dense acc |"
      var rl = "|---|---|---|"
      for r in reports {
        h += " \(r.method) acc | \(r.method) ψ_g |"
        rl += "---|---|"
      }
      out += [h, rl]
      guard let groups = reports[0].splits[s]?.groups else { continue }
      for (i, g) in groups.enumerated() {
        var row = "| \(g.name)\(g.constrained ? "" : " *") | \(g.count) | \(pct(g.denseAccuracy)) |"
        for r in reports {
          let rg = r.splits[s].flatMap { i < $0.groups.count ? $0.groups[i] : nil }
          row += " \(pct(rg?.accuracy)) | \(pct(rg?.excessGap)) |"
        }
        out.append(row)
      }
      if groups.contains(where: { !$0.constrained }) {
        out += ["", "\\* too few training samples (`min_group_size`): reported, not constrained, and not counted in Ψ_PW, max ψ_g or the verdict."]
      }
    }
    return out.joined(separator: "\n") + "\n"
  }
}
