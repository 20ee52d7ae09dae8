import Torch

/// One rank's share of a global batch under data parallelism: the global batch's means, per-group
/// statistics and per-sample results, computed from every rank's share (all-reduce), with the
/// gradient flowing through this rank's samples only. The local part of each differentiable value
/// is scaled by the world size, so that averaging the ranks' gradients
/// (`ProcessGroup.averageGradients`, as `DataParallelOptimizer` does) yields the gradient of the
/// global batch exactly, whatever function of these global values the loss is (CEAG's proxies,
/// equalized loss's |L_g − L|, an augmented Lagrangian's squares).
///
/// Forward values are identical on every rank (they come from the same all-reduced sums), so
/// every rank pushes the same values into its replay buffers and takes the same dual step.
/// Without a group, or with one rank, every operation is the plain single-process one.
public struct BatchShard: @unchecked Sendable {
  /// nil for a single process.
  public let group: ProcessGroup?
  /// Samples on this rank, and in the global batch.
  public let localCount: Int
  public let globalCount: Int
  /// Where this rank's samples start in the global batch (ranks hold consecutive parts, in rank order).
  public let offset: Int

  /// The shard of `localCount` samples on this rank of `group`; a collective (one small all-reduce).
  public init(localCount: Int, group: ProcessGroup?) throws {
    guard let group, group.worldSize > 1 else {
      self.group = nil
      self.localCount = localCount
      globalCount = localCount
      offset = 0
      return
    }
    var counts = [Int64](repeating: 0, count: group.worldSize)
    counts[group.rank] = Int64(localCount)
    let all = try Tensor(counts)
    try group.allReduceSum([all])
    let perRank = try all.toArray(Int64.self).map(Int.init)
    self.group = group
    self.localCount = localCount
    globalCount = perRank.reduce(0, +)
    offset = perRank[..<group.rank].reduce(0, +)
  }

  /// Σ over ranks of `partial` (the same shape on every rank): the exact all-reduced value
  /// forward; backward, world size × the gradient of this rank's `partial`.
  public func sum(ofPartial partial: Tensor) throws -> Tensor {
    guard let group else { return partial }
    let total = try partial.detached().clone()
    try group.allReduceSum([total])
    let scaled = try partial * Double(group.worldSize)
    // scaled − scaled.detached() is exactly 0 forward, so the value is the all-reduced sum itself.
    return try total + (scaled - scaled.detached())
  }

  /// The mean of a per-sample quantity over the global batch.
  public func mean(_ perSample: Tensor) throws -> Tensor {
    guard group != nil else { return try perSample.mean() }
    return try sum(ofPartial: perSample.sum()) / Double(globalCount)
  }

  /// Per-group sums, counts and means of a per-sample quantity over the global batch.
  public func groupStatistics(values: Tensor, groupIDs: Tensor, numGroups: Int) throws -> GroupStatistics {
    let local = try GroupStatistics(values: values, groupIDs: groupIDs, numGroups: numGroups)
    guard let group else { return local }
    let counts = try local.counts.detached().clone()
    try group.allReduceSum([counts])
    return try GroupStatistics(sums: try sum(ofPartial: local.sums), counts: counts)
  }

  /// The global batch's values of a per-sample tensor ([N, ...] on each rank), detached, in
  /// global order: rank 0's samples first. Exact: each entry is one rank's value plus zeros.
  public func gather(_ perSample: Tensor) throws -> Tensor {
    guard let group else { return perSample }
    guard perSample.rank >= 1, perSample.size(0) == localCount else {
      throw FairnessError("batch shard: gathering a tensor of shape \(perSample.shape) from a shard of \(localCount) samples")
    }
    let all = try Tensor.zeros([globalCount] + Array(perSample.shape.dropFirst()), dtype: perSample.dtype, device: perSample.device)
    try Torch.withNoGrad { try all.slice(dim: 0, start: offset, end: offset + localCount).copy_(perSample) }
    try group.allReduceSum([all])
    return all
  }
}
