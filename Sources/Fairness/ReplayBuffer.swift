import Torch

/// Per-group FIFO memories of the last `k` per-sample values (SPEC 3; Hashemizadeh et al., ICLR
/// 2024, "replay buffers"): correctness for CEAG's accuracy estimates, detached losses for EL+RB.
///
/// Stored as a [numGroups, k] ring buffer with a write pointer and a fill count per group. A push
/// appends each group's batch samples in batch order; when more than `k` samples of one group
/// arrive at once only the last `k` survive. Each sample of `.separate` group ids ([N, A]) is
/// pushed once per attribute. The work per push is O(batch) tensor ops (a sort of the batch by
/// group, scatter writes), and a running sum per group, updated by subtracting evicted values and
/// adding new ones, makes every query O(1) per group.
///
/// A group's estimate is valid only when its buffer is full. Every group holds `k` values unless
/// `groupSizes` is given: then group g holds k_g = min(k, n_g), so a group with fewer than k
/// training samples still fills its buffer (with every one of its samples, once per epoch) and is
/// constrained; a group with no samples never is. The overall estimate is the unweighted mean of the
/// full groups' means (`.meanOfFullGroups`, the official code's behaviour) or weighted by given
/// group frequencies (`.sampleWeighted`, unbiased for a sample-weighted accuracy); with no full
/// group the valid set F is empty and the overall estimate is 0.
///
/// ```swift
/// let buffer = try ReplayBuffer(numGroups: spec.numGroups, capacity: 40)
/// try buffer.push(correct, groupIDs: ids)      // bool [N], int64 [N] or [N, A]
/// let e = try buffer.estimate()                // e.means [G], e.fullGroups (F), e.overall
/// ```
public final class ReplayBuffer: @unchecked Sendable {
  /// How `estimate()` combines the full groups' means into an overall value (SPEC 3).
  public enum OverallEstimate: Sendable, Equatable, Codable {
    /// `Â = mean_{g ∈ F} Â_g`: every full group weighs the same (each holds k values).
    case meanOfFullGroups
    /// `Â = Σ_{g ∈ F} w_g Â_g / Σ_{g ∈ F} w_g` with `w` the given group frequencies ([numGroups], ≥ 0).
    case sampleWeighted(groupFrequencies: [Double])
  }

  /// |G|.
  public let numGroups: Int
  /// k, the most values kept per group (the storage's row length).
  public let capacity: Int
  /// k_g = min(k, n_g) per group.
  public let groupCapacities: [Int]
  /// How the overall estimate is formed.
  public let overallEstimate: OverallEstimate
  /// Where the buffer's tensors live; pushed tensors must live there too.
  public let device: Device

  /// [numGroups · capacity] float32; row g holds group g's ring, never-written slots hold 0.
  let storage: Tensor
  /// Next slot to write per group (the oldest value once full), int64 [numGroups].
  let pointers: Tensor
  /// Values held per group, min(pushed, k), int64 [numGroups].
  let filled: Tensor
  /// Sum of each group's held values, float64 [numGroups].
  let sums: Tensor
  /// Group frequencies for `.sampleWeighted`, float64 [numGroups].
  let weights: Tensor?
  /// k_g as int64 [numGroups], and as the divisor of ring arithmetic (k_g, or 1 when k_g = 0).
  let capacities: Tensor
  let modulus: Tensor

  /// Empty buffers for `numGroups` groups of `capacity` values each, or of min(capacity, n_g) with
  /// the groups' training sizes `groupSizes`.
  /// - Throws: `FairnessError` when `numGroups` or `capacity` is below 1, `groupSizes` is not
  ///   `numGroups` values ≥ 0, or the group frequencies of `.sampleWeighted` are not `numGroups`
  ///   finite values ≥ 0.
  public init(numGroups: Int, capacity: Int, groupSizes: [Int]? = nil, overallEstimate: OverallEstimate = .meanOfFullGroups,
              device: Device = .cpu) throws {
    guard numGroups >= 1 else { throw FairnessError("replay buffer: numGroups is \(numGroups), expected at least 1") }
    guard capacity >= 1 else { throw FairnessError("replay buffer: capacity is \(capacity), expected at least 1") }
    if let groupSizes {
      guard groupSizes.count == numGroups else {
        throw FairnessError("replay buffer: \(groupSizes.count) group sizes for \(numGroups) groups")
      }
      if let bad = groupSizes.first(where: { $0 < 0 }) { throw FairnessError("replay buffer: group size \(bad) is negative") }
    }
    groupCapacities = groupSizes.map { $0.map { Swift.min(capacity, $0) } } ?? Array(repeating: capacity, count: numGroups)
    capacities = try Tensor(groupCapacities.map(Int64.init)).to(device: device)
    modulus = try Tensor(groupCapacities.map { Double(Swift.max($0, 1)) }).to(device: device)
    if case .sampleWeighted(let w) = overallEstimate {
      guard w.count == numGroups else {
        throw FairnessError("replay buffer: \(w.count) group frequencies for \(numGroups) groups")
      }
      if let bad = w.first(where: { !$0.isFinite || $0 < 0 }) {
        throw FairnessError("replay buffer: group frequency \(bad) is not a finite value ≥ 0")
      }
      weights = try Tensor(w).to(device: device)
    } else {
      weights = nil
    }
    self.numGroups = numGroups
    self.capacity = capacity
    self.overallEstimate = overallEstimate
    self.device = device
    storage = try Tensor.zeros([numGroups * capacity], dtype: .float32, device: device)
    pointers = try Tensor.zeros([numGroups], dtype: .int64, device: device)
    filled = try Tensor.zeros([numGroups], dtype: .int64, device: device)
    sums = try Tensor.zeros([numGroups], dtype: .float64, device: device)
  }

  /// Appends each sample's value to the buffer of its group(s), in batch order (SPEC 3, "Update").
  ///
  /// - Parameters:
  ///   - values: per-sample values [N]: bool correctness (stored as 0/1) or losses (detached,
  ///     stored as float32).
  ///   - groupIDs: int64 [N], or [N, A] for `.separate` groups (each sample pushed once per attribute).
  /// - Throws: `FairnessError` on mismatched shapes, non-int64 ids or ids outside 0..<numGroups.
  public func push(_ values: Tensor, groupIDs: Tensor) throws {
    let flat = try GroupMembership.flatten(groupIDs: groupIDs, values: values, numGroups: numGroups, what: "replay buffer")
    let m = flat.ids.count
    guard m > 0 else { return }
    try Torch.withNoGrad {
      let ids = flat.ids, newValues = try flat.values!.detached().to(.float32)
      // Rank of each sample among the batch samples of its group: sort by (group, position) and
      // subtract the start of the group's run. The keys are unique, so the sort need not be stable.
      let position = try Tensor.arange(m, device: device)
      let order = try (ids * Tensor(scalar: Int64(m)) + position).sorted().indices
      let sortedIDs = try ids.indexSelect(dim: 0, index: order)
      let batchCounts = try ids.bincount(minLength: numGroups)
      let starts = try batchCounts.cumsum(dim: 0) - batchCounts
      let rank = try position - starts.indexSelect(dim: 0, index: sortedIDs)
      // Only the last k_g of a group survive: keep rank ≥ count_g − k_g.
      let threshold = try (batchCounts - capacities).indexSelect(dim: 0, index: sortedIDs).to(.float64)
      let keep = try rank.ge(threshold).nonzero().reshaped([-1])
      let keptIDs = try sortedIDs.indexSelect(dim: 0, index: keep)
      let keptRank = try rank.indexSelect(dim: 0, index: keep)
      let keptValues = try newValues.indexSelect(dim: 0, index: order.indexSelect(dim: 0, index: keep))
      // Slot (ptr_g + rank) mod k_g; kept ranks of one group span at most k_g consecutive values,
      // so no two kept samples share a slot. Integer arithmetic in float64 is exact here.
      let slot = try ((pointers.indexSelect(dim: 0, index: keptIDs) + keptRank).to(.float64)
        .remainder(modulus.indexSelect(dim: 0, index: keptIDs))).to(.int64)
      let flatIndex = try keptIDs * Tensor(scalar: Int64(capacity)) + slot
      let evicted = try storage.indexSelect(dim: 0, index: flatIndex)
      try sums.indexPut_(index: keptIDs, values: keptValues.to(.float64) - evicted.to(.float64), accumulate: true)
      try storage.indexPut_(index: flatIndex, values: keptValues)
      try pointers.copy_((pointers + batchCounts).to(.float64).remainder(modulus))
      try filled.copy_((filled + batchCounts).minimum(capacities))
    }
  }

  /// The current estimates (SPEC 3, "Query"), from the running sums: O(1) per group.
  public func estimate() throws -> ReplayEstimate {
    try Torch.withNoGrad {
      let full = try filled.eq(capacities).logicalAnd(capacities.gt(0))
      let fullWeight = try full.to(.float64)
      let means = try sums / modulus * fullWeight
      let weight = try weights.map { try $0 * fullWeight } ?? fullWeight
      let total = try weight.sum()
      let overall = try (means * weight).sum() / Tensor.where(total.gt(0), total, Tensor.ones([], dtype: .float64, device: device))
      return ReplayEstimate(means: try means.to(.float32), full: full, fullGroups: try full.nonzero().reshaped([-1]),
                            overall: try overall.to(.float32))
    }
  }

  /// A copy of the buffer contents, float32 [numGroups, capacity]. Row g is group g's ring: slot
  /// `writePointers[g]` holds the oldest value once the group is full; unwritten slots hold 0.
  public func contents() throws -> Tensor { try storage.reshaped([numGroups, capacity]).clone() }

  /// A copy of the number of values held per group, int64 [numGroups] (at most `capacity`).
  public func counts() throws -> Tensor { try filled.clone() }

  /// A copy of the running sum of each group's held values, float64 [numGroups].
  public func runningSums() throws -> Tensor { try sums.clone() }

  /// A copy of each group's next write slot, int64 [numGroups].
  public func writePointers() throws -> Tensor { try pointers.clone() }

  /// Empties every buffer (SPEC 3: exists, unused during a run).
  public func reset() throws {
    try storage.zero_()
    try pointers.zero_()
    try filled.zero_()
    try sums.zero_()
  }
}

/// What the replay buffers estimate at one step (SPEC 2.4, 3).
public struct ReplayEstimate: @unchecked Sendable {
  /// `Â_g` = mean of group g's buffer where it is full, else 0; float32 [numGroups].
  public let means: Tensor
  /// Whether each group's buffer is full, bool [numGroups].
  public let full: Tensor
  /// F: the ids of the full groups, ascending, int64 [|F|].
  public let fullGroups: Tensor
  /// `Â`, the overall estimate (0 when F is empty); float32 scalar.
  public let overall: Tensor
}
