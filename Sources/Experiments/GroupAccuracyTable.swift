import Datasets
import Fairness
import Foundation
import NN

/// A Markdown table of one model's overall and per-group accuracy on each split, with each
/// group's 95% interval; with more than `maxGroupRows` groups, the least accurate ones.
public enum GroupAccuracyTable {
  public static func render(_ model: any Module, dataset: GroupedDataset, maxGroupRows: Int = ReportMarkdown.maxGroupRows) throws -> String {
    let spec = try GroupSpec(info: dataset.info, attributeNames: dataset.info.attributes.map(\.name), mode: .intersectional)
    var lines = ["| split | group | count | accuracy | 95% interval |", "|---|---|---|---|---|"]
    let names = spec.groupNames
    for (name, split) in [("train", dataset.train), ("test", dataset.test)] + (dataset.validation.map { [("val", $0)] } ?? []) {
      let p = try Evaluator.predict(model, on: split)
      let perf = try SplitPerformance(correct: p.correct, groupIDs: spec.groupIDs(attributes: split.attributes),
                                      numGroups: spec.numGroups, losses: p.losses)
      lines.append("| \(name) | all | \(perf.sampleCount) | \(String(format: "%.2f", 100 * perf.accuracy)) | |")
      var shown = Array(names.indices)
      if shown.count > maxGroupRows {
        shown = shown.sorted { (perf.groupAccuracies[$0] ?? 2, $0) < (perf.groupAccuracies[$1] ?? 2, $1) }.prefix(maxGroupRows).sorted()
      }
      for g in shown {
        let acc = perf.groupAccuracies[g].map { String(format: "%.2f", 100 * $0) } ?? "–"
        let interval = perf.groupAccuracies[g].map { a -> String in
          let w = DisparityMetrics.Group.wilsonInterval(successRate: a, count: perf.groupCounts[g])
          return String(format: "[%.2f, %.2f]", 100 * w.lowerBound, 100 * w.upperBound)
        } ?? ""
        lines.append("| \(name) | \(names[g]) | \(perf.groupCounts[g]) | \(acc) | \(interval) |")
      }
      if shown.count < names.count {
        lines.append("| \(name) | (\(names.count - shown.count) more groups, more accurate) | | | |")
      }
    }
    return lines.joined(separator: "\n")
  }
}
