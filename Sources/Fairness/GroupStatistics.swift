import Torch

/// Per-group sums, counts and means of a per-sample quantity over one batch (SPEC 10, "batch
/// group statistics"), computed with scatter-add and bincount over [numGroups]: O(batch) work,
/// no Swift loop per sample or per group.
///
/// The means are differentiable in the per-sample values, so the mean loss of each group,
/// `L_g = mean_{i ∈ g} ℓ_i`, can enter the CEAG surrogate `ψ̃_g = (L_g − L_d,g) − (L − L_d)`
/// (SPEC 2.3) and the EL constraint: `∂L_g/∂ℓ_i = 1/n_g` for the samples of group g.
///
/// Absent groups (count 0) get sum 0 and mean 0; the present-group index set B (SPEC 2.5) is
/// `presentGroups()`. With `.separate` groups (ids [N, A]) a sample contributes once per attribute.
///
/// ```swift
/// let stats = try GroupStatistics(values: losses, groupIDs: ids, numGroups: spec.numGroups)
/// let b = try stats.presentGroups()               // int64 [|B|]
/// let lg = try stats.means.indexSelect(dim: 0, index: b)
/// ```
public struct GroupStatistics: @unchecked Sendable {
  /// |G|.
  public let numGroups: Int
  /// Σ_{i ∈ g} v_i, [numGroups], in the values' floating dtype (float32 for bool or integer values).
  public let sums: Tensor
  /// Number of (sample, group) memberships of each group, int64 [numGroups].
  public let counts: Tensor
  /// sums / counts where count > 0, else 0; [numGroups], differentiable in the values.
  public let means: Tensor

  /// Statistics of `values` (per sample, [N]; bool, integer or floating) over the groups in
  /// `groupIDs` (int64 [N], or [N, A] for `.separate` groups).
  /// - Throws: `FairnessError` on mismatched shapes, non-int64 ids, ids outside 0..<numGroups, or
  ///   numGroups < 1.
  public init(values: Tensor, groupIDs: Tensor, numGroups: Int) throws {
    guard numGroups >= 1 else { throw FairnessError("group statistics: numGroups is \(numGroups), expected at least 1") }
    let flat = try GroupMembership.flatten(groupIDs: groupIDs, values: GroupMembership.floating(values),
                                           numGroups: numGroups, what: "group statistics")
    let v = flat.values!
    try self.init(sums: try Tensor.zeros([numGroups], dtype: v.dtype, device: v.device).scatterAdd(dim: 0, index: flat.ids, source: v),
                  counts: try flat.ids.bincount(minLength: numGroups))
  }

  /// Statistics from per-group `sums` and int64 `counts` already reduced (e.g. over the ranks of
  /// a data-parallel batch).
  init(sums: Tensor, counts: Tensor) throws {
    numGroups = counts.count
    self.sums = sums
    self.counts = counts
    means = try sums / counts.clamp(min: 1).to(sums.dtype)
  }

  /// Whether each group has at least one sample in the batch, bool [numGroups].
  public func presentMask() throws -> Tensor { try counts.gt(0) }

  /// B: the ids of the groups with at least one sample, ascending, int64 [|B|].
  public func presentGroups() throws -> Tensor { try presentMask().nonzero().reshaped([-1]) }
}
