import Torch

/// Checks and flattens group ids as produced by `GroupSpec.groupIDs(attributes:)`.
///
/// Ids are int64 [N] (one group per sample) or [N, A] (one group per attribute, already offset,
/// SPEC 1.1 non-intersectional). Flattening [N, A] row-major pairs every sample with each of its
/// groups, so per-group quantities count a sample once per attribute and, within one group, keep
/// batch order.
enum GroupMembership {
  /// The ids as a flat int64 [M] tensor, the per-sample `values` repeated to match (when given),
  /// and the number of samples N. Throws when shapes or dtypes disagree or an id is outside
  /// 0..<numGroups; `what` names the caller in messages.
  static func flatten(groupIDs: Tensor, values: Tensor?, numGroups: Int, what: String) throws
    -> (ids: Tensor, values: Tensor?, samples: Int)
  {
    guard groupIDs.dtype == .int64 else {
      throw FairnessError("\(what): group ids must be int64, got \(groupIDs.dtype)")
    }
    guard groupIDs.rank == 1 || groupIDs.rank == 2 else {
      throw FairnessError("\(what): group ids have shape \(groupIDs.shape), expected [N] or [N, A]")
    }
    let n = groupIDs.size(0)
    if let values, values.shape != [n] {
      throw FairnessError("\(what): per-sample values have shape \(values.shape), expected [\(n)] to match group ids \(groupIDs.shape)")
    }
    try checkRange(groupIDs, numGroups: numGroups, what: what)
    guard groupIDs.rank == 2 else { return (groupIDs, values, n) }
    let perSample = groupIDs.size(1)
    let ids = try groupIDs.reshaped([-1])
    let repeated = try values.map { try $0.unsqueezed(1).expanded([n, perSample]).reshaped([-1]) }
    return (ids, repeated, n)
  }

  /// Throws when an id lies outside 0..<numGroups, naming the first offending value found.
  static func checkRange(_ ids: Tensor, numGroups: Int, what: String) throws {
    guard ids.count > 0 else { return }
    let lo = try ids.min().itemInt(), hi = try ids.max().itemInt()
    if lo < 0 || hi >= numGroups {
      throw FairnessError("\(what): group id \(lo < 0 ? lo : hi) is outside 0..<\(numGroups)")
    }
  }

  /// `values` as a floating-point tensor: floating dtypes unchanged (gradients flow), bool and
  /// integer values converted to float32.
  static func floating(_ values: Tensor) throws -> Tensor {
    values.dtype.isFloatingPoint ? values : try values.to(.float32)
  }

  /// The rows of each group among group ids int64 [N] (or [N, A] under `.separate`, where a row
  /// counts for each of its groups), ascending.
  static func rowsByGroup(_ ids: Tensor, numGroups: Int) throws -> [[Int]] {
    let width = ids.rank == 2 ? ids.size(1) : 1
    var rows = [[Int]](repeating: [], count: numGroups)
    for (k, id) in try ids.toArray(Int64.self).enumerated() where id >= 0 && Int(id) < numGroups {
      if rows[Int(id)].last != k / width { rows[Int(id)].append(k / width) }
    }
    return rows
  }
}
