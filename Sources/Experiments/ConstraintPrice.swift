import Datasets
import Fairness
import NN
import Torch

/// What the constraint ψ_g ≤ ε costs a pruned model's features: per-class logit offsets found on
/// one split (`FeasibleClassOffsets`) that meet every group's constraint there, and the model's
/// metrics without and with them, on that split and on the test split. Part of `fairprune
/// diagnose`: it tells whether a mitigation's accuracy loss is the constraint's price or
/// accuracy the fine-tuning left on the table (docs/RESULTS.md).
public struct ConstraintPrice: Codable, Sendable {
  public struct Evaluation: Codable, Sendable {
    public var split: String
    /// The sparse model as trained.
    public var model: DisparityMetrics
    /// The same model with the offsets.
    public var withOffsets: DisparityMetrics

    enum CodingKeys: String, CodingKey {
      case split, model
      case withOffsets = "with_offsets"
    }
  }

  public var tolerance: Double
  /// The split the offsets were searched on.
  public var searchSplit: String
  public var offsets: [Double]
  public var feasible: Bool
  public var evaluations: [Evaluation]

  enum CodingKeys: String, CodingKey {
    case tolerance, offsets, feasible, evaluations
    case searchSplit = "search_split"
  }

  /// Searches the offsets on `search` and evaluates them there and on each of `others`.
  /// Groups with fewer than `minGroupSize` samples in `search` are listed, not constrained.
  public static func measure(dense: any Module, sparse: any Module, search: (name: String, split: GroupedSplit),
                             others: [(name: String, split: GroupedSplit)], groups: GroupSpec, tolerance: Double,
                             minGroupSize: Int) throws -> ConstraintPrice {
    let numGroups = groups.numGroups
    func denseOutcome(_ split: GroupedSplit) throws -> (dense: SplitPerformance, ids: Tensor) {
      let ids = try groups.groupIDs(attributes: split.attributes)
      return (try SplitPerformance(correct: Evaluator.predict(dense, on: split).correct, groupIDs: ids, numGroups: numGroups), ids)
    }
    let searched = try denseOutcome(search.split)
    let unconstrained = Set(searched.dense.groupCounts.indices.filter { searched.dense.groupCounts[$0] < minGroupSize })
    let searchPredictions = try Evaluator.predict(sparse, on: search.split, keepLogits: true)
    let found = try FeasibleClassOffsets.find(predictions: searchPredictions, on: search.split, groupIDs: searched.ids,
                                              dense: searched.dense, unconstrained: unconstrained, tolerance: tolerance)
    var evaluations: [Evaluation] = []
    for (name, split) in [search] + others {
      let o = name == search.name ? searched : try denseOutcome(split)
      let predictions = name == search.name ? searchPredictions : try Evaluator.predict(sparse, on: split, keepLogits: true)
      guard let z = predictions.logits else { throw ConfigError("constraint price: the evaluation kept no logits") }
      let shifted = FeasibleClassOffsets.predictions(logits: try z.to(.float64).contiguous().toArray(Double.self), classCount: z.size(1),
                                                     offsets: found.offsets)
      let correct = try Tensor(shifted.map(Int64.init)).eq(split.targets)
      let sparseModel = try SplitPerformance(correct: predictions.correct, groupIDs: o.ids, numGroups: numGroups)
      let sparseShifted = try SplitPerformance(correct: correct, groupIDs: o.ids, numGroups: numGroups)
      evaluations.append(Evaluation(
        split: name,
        model: try DisparityMetrics(dense: o.dense, sparse: sparseModel, spec: groups, tolerance: tolerance, unconstrained: unconstrained),
        withOffsets: try DisparityMetrics(dense: o.dense, sparse: sparseShifted, spec: groups, tolerance: tolerance,
                                          unconstrained: unconstrained)))
    }
    return ConstraintPrice(tolerance: tolerance, searchSplit: search.name, offsets: found.offsets, feasible: found.feasible,
                           evaluations: evaluations)
  }

  public var markdown: String {
    func pct(_ x: Double) -> String { String(format: "%.2f", 100 * x) }
    var out = ["## The constraint's price (per-class logit offsets)", "",
               "Offsets b_c added to the pruned model's logits, searched on the \(searchSplit) split so that every group meets "
               + "ψ_g ≤ \(pct(tolerance))% there (\(feasible ? "met" : "not met")); offsets "
               + offsets.map { String(format: "%.3f", $0) }.joined(separator: ", ") + ". "
               + "The accuracy with offsets is what these features keep under the constraint without any fine-tuning.", "",
               "| split | accuracy | max ψ_g | accuracy with offsets | max ψ_g with offsets |", "|---|---|---|---|---|"]
    for e in evaluations {
      out.append("| \(e.split) | \(pct(e.model.accuracy)) | \(pct(e.model.maxExcessGap)) | \(pct(e.withOffsets.accuracy)) | "
                 + "\(pct(e.withOffsets.maxExcessGap)) |")
    }
    if let first = evaluations.first {
      out += ["", "Per group on the \(first.split) split (accuracy / ψ_g, percent):", "",
              "| group | model | with offsets |", "|---|---|---|"]
      for (a, b) in zip(first.model.groups, first.withOffsets.groups) where a.isPresent {
        out.append("| \(a.name)\(a.constrained ? "" : " (not constrained)") | \(pct(a.accuracy ?? 0)) / \(pct(a.excessGap ?? 0)) | "
                   + "\(pct(b.accuracy ?? 0)) / \(pct(b.excessGap ?? 0)) |")
      }
    }
    return out.joined(separator: "\n") + "\n"
  }
}
