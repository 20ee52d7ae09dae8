import NN
import Torch

/// A pruning criterion: given the prunable layers (with their current masks) and a target
/// sparsity, it returns the new masks.
///
/// Contract for conformers:
/// - one bool mask per layer, in the order of `layers`, each of its weight's shape and device;
/// - masks are **nested**: an entry pruned before stays pruned (already-masked entries score
///   below every live entry, and the result is intersected with the current mask), so lowering
///   the sparsity never revives weights;
/// - `sparsity` outside [0, 1] throws `SparsityError`;
/// - scores are computed with tensor ops (topk), never with a Swift loop over elements.
///
/// `SparsityMasks.prune(to:using:)` installs the result and zeroes the pruned weights.
public protocol Pruner {
  func masks(for layers: [PrunableLayer], sparsity: Double) throws -> [Tensor]
}

/// The layer's current mask, or all ones when it has none.
func currentMask(of layer: PrunableLayer) throws -> Tensor {
  if let mask = layer.layer.weightMask { return mask }
  return try Tensor.ones(layer.weight.shape, dtype: .bool, device: layer.weight.device)
}

/// |w| with already-masked entries set to −1, so they are selected before any live weight
/// (live zeros included) and masks stay nested whatever the tie-breaking of topk.
func magnitudeScores(of layer: PrunableLayer) throws -> Tensor {
  try Torch.withNoGrad {
    let scores = try layer.weight.detached().abs()
    guard let mask = layer.layer.weightMask else { return scores }
    return try scores.maskedFill(mask.logicalNot(), value: -1)
  }
}

/// A flat bool tensor of `count` trues with the `k` entries of smallest `scores` set to false.
func keepAllBut(smallest k: Int, of scores: Tensor) throws -> Tensor {
  let keep = try Tensor.ones([scores.count], dtype: .bool, device: scores.device)
  guard k > 0 else { return keep }
  let indices = try scores.reshaped([-1]).topk(k, largest: false, sorted: false).indices
  try keep.indexPut_(index: indices, values: Tensor.zeros([], dtype: .bool, device: scores.device))
  return keep
}

/// Layerwise unstructured magnitude pruning (SPEC 4.2): in every layer independently, the
/// `ceil(s · numel)` entries of smallest `|w ⊙ m|` are pruned.
///
/// ```swift
/// let masks = try SparsityMasks(model: model)
/// try masks.prune(to: 0.5, using: LayerwiseMagnitudePruner())
/// ```
public struct LayerwiseMagnitudePruner: Pruner {
  public init() {}

  public func masks(for layers: [PrunableLayer], sparsity: Double) throws -> [Tensor] {
    try validateSparsity(sparsity)
    return try Torch.withNoGrad {
      try layers.map { layer in
        let scores = try magnitudeScores(of: layer)
        let keep = try keepAllBut(smallest: prunedCount(sparsity: sparsity, of: scores.count), of: scores)
        return try keep.reshaped(layer.weight.shape).logicalAnd(currentMask(of: layer))
      }
    }
  }
}

/// Global unstructured magnitude pruning: one threshold over all prunable weights, pruning the
/// `ceil(s · N)` entries of smallest `|w ⊙ m|` among the `N` weights of all layers together, so
/// layers with small weights lose more than the layer-wise rule would take from them.
public struct GlobalMagnitudePruner: Pruner {
  public init() {}

  public func masks(for layers: [PrunableLayer], sparsity: Double) throws -> [Tensor] {
    try validateSparsity(sparsity)
    guard !layers.isEmpty else { return [] }
    return try Torch.withNoGrad {
      let scores = try layers.map { try magnitudeScores(of: $0).reshaped([-1]) }
      let all = try Tensor.cat(scores)
      let keep = try keepAllBut(smallest: prunedCount(sparsity: sparsity, of: all.count), of: all)
      var offset = 0
      return try layers.map { layer in
        let n = layer.weight.count
        defer { offset += n }
        return try keep.slice(dim: 0, start: offset, end: offset + n).reshaped(layer.weight.shape)
          .logicalAnd(currentMask(of: layer))
      }
    }
  }
}

/// The norm that scores a unit (output channel or row) in structured pruning.
public enum UnitNorm: String, Codable, Sendable, CaseIterable {
  case l1, l2
  var p: Double { self == .l1 ? 1 : 2 }
}

/// Structured output-channel pruning (SPEC 4.5): a unit is an output channel of a Conv2d or an
/// output row of a Linear; its score is the L2 (or L1) norm of its masked weights, and the
/// `ceil(s · units)` lowest-scoring units of every layer lose their whole weight slice. Units
/// that are already dead score below every live unit, so masks are nested.
///
/// The layer's bias and the following BatchNorm are not part of the weight mask;
/// `SparsityMasks` (with `maskFollowingBatchNorm` / `maskBiasOfDeadUnits`) zeroes them for
/// dead units so that a dead channel outputs exactly zero.
public struct StructuredChannelPruner: Pruner {
  public let norm: UnitNorm

  public init(norm: UnitNorm = .l2) { self.norm = norm }

  public func masks(for layers: [PrunableLayer], sparsity: Double) throws -> [Tensor] {
    try validateSparsity(sparsity)
    return try Torch.withNoGrad {
      try layers.map { layer in
        let units = layer.unitCount
        let mask = try currentMask(of: layer)
        let rows = try (layer.weight.detached() * mask).reshaped([units, -1])
        let dead = try mask.reshaped([units, -1]).sum(dim: 1).eq(0)
        let scores = try rows.norm(p: norm.p, dims: [1]).maskedFill(dead, value: -1)
        let keepUnits = try keepAllBut(smallest: prunedCount(sparsity: sparsity, of: units), of: scores)
        let unitShape = [units] + Array(repeating: 1, count: layer.weight.rank - 1)
        return try mask.logicalAnd(keepUnits.reshaped(unitShape))
      }
    }
  }
}
