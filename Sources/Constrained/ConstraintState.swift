import Torch

/// What one batch measured about one constraint group.
///
/// - `violation` is the differentiable proxy `g̃` (Cotter et al. 2019) used for the primal gradient:
///   a 0-D or 1-D tensor with a graph.
/// - `strictViolation` is the true (possibly non-differentiable) violation `g` used for the dual
///   update; when nil, the detached proxy is used.
/// - `indices` name the constraints the proxy entries belong to (required for indexed multipliers,
///   forbidden for dense ones); `strictIndices` do the same for `strictViolation` and default to
///   `indices`.
///
/// The proxy and the strict violation may cover different constraints: CEAG takes the proxy on the
/// groups present in the batch and the strict violation on the groups whose replay buffer is full.
public struct ConstraintState {
  /// Differentiable proxy `g̃`, 0-D or 1-D, one entry per observed constraint.
  public var violation: Tensor
  /// Value-only violation `g` for the dual update; nil means the detached proxy.
  public var strictViolation: Tensor?
  /// int64 indices of the constraints `violation` measures (indexed access only).
  public var indices: Tensor?
  /// int64 indices of the constraints `strictViolation` measures; nil means `indices`.
  public var strictIndices: Tensor?
  /// When false, the constraint is left out of the primal Lagrangian this step.
  public var contributesToPrimalUpdate: Bool
  /// When false, the constraint's multipliers are not updated this step.
  public var contributesToDualUpdate: Bool

  /// - Throws: `ConstrainedError` when `strictIndices` are given without a `strictViolation`
  ///   (there would be nothing to read at them).
  public init(violation: Tensor, strictViolation: Tensor? = nil, indices: Tensor? = nil, strictIndices: Tensor? = nil,
              contributesToPrimalUpdate: Bool = true, contributesToDualUpdate: Bool = true) throws {
    if strictIndices != nil, strictViolation == nil {
      throw ConstrainedError("strictIndices were given without a strictViolation to go with them")
    }
    self.violation = violation
    self.strictViolation = strictViolation
    self.indices = indices
    self.strictIndices = strictIndices
    self.contributesToPrimalUpdate = contributesToPrimalUpdate
    self.contributesToDualUpdate = contributesToDualUpdate
  }
}

/// A constraint state checked against its constraint, with every default filled in.
struct ResolvedObservation {
  let constraint: Constraint
  /// 1-D proxy with its graph.
  let proxy: Tensor
  let proxyIndices: Tensor?
  /// 1-D, detached, in the multiplier's dtype when there is one.
  let strict: Tensor
  let strictIndices: Tensor?
  let state: ConstraintState

  /// Validates shapes and index tensors; O(1) tensor metadata queries, no data is read.
  init(_ constraint: Constraint, _ state: ConstraintState) throws {
    let name = "constraint '\(constraint.name)'"
    func oneD(_ t: Tensor, _ what: String) throws -> Tensor {
      switch t.rank {
      case 0: return try t.reshaped([1])
      case 1: return t
      default: throw ConstrainedError("\(name): \(what) must be 0-D or 1-D, got shape \(t.shape)")
      }
    }
    let proxy = try oneD(state.violation, "violation")
    if state.strictIndices != nil, state.strictViolation == nil {
      throw ConstrainedError("\(name): strictIndices were given without a strictViolation")
    }
    var strict = try oneD(state.strictViolation ?? state.violation, "strictViolation").detached()
    if let m = constraint.multiplier, strict.dtype != m.store.value.dtype { strict = try strict.to(m.store.value.dtype) }
    let strictIndices = state.strictIndices ?? state.indices  // strictIndices imply a strictViolation (checked above)

    try Self.check(entries: proxy.count, indices: state.indices, constraint, "violation", "indices")
    try Self.check(entries: strict.count, indices: strictIndices, constraint, "strictViolation",
                   state.strictIndices != nil ? "strictIndices" : "indices (which strictIndices default to)")
    self.constraint = constraint
    self.proxy = proxy
    proxyIndices = state.indices
    self.strict = strict
    self.strictIndices = strictIndices
    self.state = state
  }

  /// Entries must match the indices (indexed) or the constraint's count (dense).
  private static func check(entries: Int, indices: Tensor?, _ c: Constraint, _ what: String, _ idxName: String) throws {
    let name = "constraint '\(c.name)'"
    switch c.access {
    case .indexed:
      guard let indices else {
        throw ConstrainedError("\(name) has indexed entries but the state gives no \(idxName) for its \(what)")
      }
      try checkIndexTensor(indices, "\(name): \(idxName)")
      guard indices.count == entries else {
        throw ConstrainedError("\(name): \(what) has \(entries) entries but \(idxName) has \(indices.count)")
      }
    case .dense:
      guard indices == nil else {
        throw ConstrainedError("\(name) has dense entries but the state gives \(idxName); use indexed access")
      }
      if let count = c.count, entries != count {
        throw ConstrainedError("\(name): \(what) has \(entries) entries but the constraint has \(count)")
      }
    }
  }
}
