import Datasets
import Fairness
import NN
import Torch

extension FeasibleClassOffsets {
  /// Searches the offsets for a model's `predictions` on `split` (evaluated as the reports
  /// evaluate it, with logits kept), so the pass that measured the model also feeds the search.
  static func find(predictions: SplitPredictions, on split: GroupedSplit, groupIDs: Tensor, dense: SplitPerformance,
                   unconstrained: Set<Int>, tolerance: Double) throws -> FeasibleClassOffsets {
    guard let z = predictions.logits else { throw ConfigError("class offsets: the evaluation kept no logits") }
    return try search(logits: try z.to(.float64).contiguous().toArray(Double.self), classCount: z.size(1),
                      targets: try split.targets.to(.int64).toArray(Int64.self).map(Int.init),
                      memberships: try memberships(groupIDs: groupIDs), dense: dense,
                      constrained: (0..<dense.numGroups).map { !unconstrained.contains($0) }, tolerance: tolerance)
  }

  /// Each sample's group ids from int64 [N] (one group each) or [N, A] (separate groups).
  static func memberships(groupIDs ids: Tensor) throws -> [[Int]] {
    let flat = try ids.contiguous().toArray(Int64.self).map(Int.init)
    let width = ids.rank == 2 ? ids.size(1) : 1
    return stride(from: 0, to: flat.count, by: width).map { Array(flat[$0..<($0 + width)]) }
  }
}

extension ModelKind {
  /// Adds `offsets` to the bias of the model's classifier (the last Linear), so the saved model
  /// predicts argmax_c (z_c + b_c) with no extra step at inference.
  /// - Throws: `ConfigError` when the classifier has no bias of one value per class.
  static func shiftClassifierBias(of model: any Module, by offsets: [Double]) throws {
    guard let (name, _) = classifier(of: model), name.hasSuffix("weight"),
          let bias = model.namedParameters().first(where: { $0.name == name.dropLast("weight".count) + "bias" })?.tensor,
          bias.shape == [offsets.count] else {
      throw ConfigError("class_offsets: the model's classifier has no bias with one value for each of \(offsets.count) classes")
    }
    try Torch.withNoGrad { try bias.add_(try Tensor(offsets).to(bias.dtype, device: bias.device)) }
  }
}
