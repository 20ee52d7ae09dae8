import Datasets
import Fairness
import Foundation
import NN

/// A Markdown table of one model's overall and per-group accuracy on each split.
public enum GroupAccuracyTable {
  public static func render(_ model: any Module, dataset: GroupedDataset) throws -> String {
    let spec = try GroupSpec(info: dataset.info, attributeNames: dataset.info.attributes.map(\.name), mode: .intersectional)
    var lines = ["| split | group | count | accuracy |", "|---|---|---|---|"]
    for (name, split) in [("train", dataset.train), ("test", dataset.test)] + (dataset.validation.map { [("val", $0)] } ?? []) {
      let p = try Evaluator.predict(model, on: split)
      let perf = try SplitPerformance(correct: p.correct, groupIDs: spec.groupIDs(attributes: split.attributes),
                                      numGroups: spec.numGroups, losses: p.losses)
      lines.append("| \(name) | all | \(perf.sampleCount) | \(String(format: "%.2f", 100 * perf.accuracy)) |")
      for (g, groupName) in spec.groupNames.enumerated() {
        let acc = perf.groupAccuracies[g].map { String(format: "%.2f", 100 * $0) } ?? "–"
        lines.append("| \(name) | \(groupName) | \(perf.groupCounts[g]) | \(acc) |")
      }
    }
    return lines.joined(separator: "\n")
  }
}
