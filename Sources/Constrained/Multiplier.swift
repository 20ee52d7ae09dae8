import Torch

/// The Lagrange multipliers of one constraint group: a 1-D float tensor with one entry per constraint.
///
/// Inequality multipliers start non-negative and are projected back onto `λ >= 0` after every
/// dual step; equality multipliers are free. With `.indexed` access, a step reads and writes only
/// the entries whose constraints the state observed (O(observed) work); with `.dense` access,
/// every entry is observed every step.
///
/// ```swift
/// let lambda = try Multiplier(kind: .inequality, count: 10_000, access: .indexed)
/// ```
public final class Multiplier {
  /// The kind of the constraints this multiplier belongs to (decides the projection).
  public let kind: ConstraintKind
  /// Whether the state gives indices of observed constraints.
  public var access: EntryAccess { store.access }
  /// Number of constraints (entries).
  public var count: Int { store.count }
  /// Reset observed, strictly feasible inequality entries to their initial value after each dual step
  /// (dual restarts). Stateful dual optimizers also forget those entries' state.
  public var restartOnFeasible: Bool
  /// Name used in errors and checkpoints; `Constraint` sets it to the constraint's name.
  public internal(set) var name: String

  let store: EntryStore
  /// The ascent direction for the next dual step (set by `ConstrainedOptimizer`, consumed by a
  /// `DualOptimizer`); nil when this multiplier was not observed.
  public internal(set) var dualGradient: DualGradient?

  /// `count` multipliers all starting at `initialValue`.
  /// - Throws: `ConstrainedError` when `count < 1`, or when `initialValue < 0` for an inequality.
  public convenience init(kind: ConstraintKind, count: Int, access: EntryAccess = .dense, initialValue: Double = 0,
                          restartOnFeasible: Bool = false, dtype: DType = .float32, device: Device = .cpu,
                          name: String = "multiplier") throws {
    guard count >= 1 else { throw ConstrainedError("\(name): count must be >= 1, got \(count)") }
    guard kind == .equality || initialValue >= 0 else {
      throw ConstrainedError("\(name): inequality multipliers must start >= 0, got initial value \(initialValue)")
    }
    try self.init(kind: kind, initialValues: Tensor.full([count], value: initialValue, dtype: dtype, device: device),
                  access: access, restartOnFeasible: restartOnFeasible, name: name)
  }

  /// Multipliers starting at the entries of the 1-D float tensor `initialValues` (copied).
  /// - Throws: `ConstrainedError` when the tensor is not 1-D floating point, or when an inequality
  ///   multiplier has a negative entry.
  public init(kind: ConstraintKind, initialValues: Tensor, access: EntryAccess = .dense,
              restartOnFeasible: Bool = false, name: String = "multiplier") throws {
    if kind == .inequality, initialValues.count > 0, try initialValues.min().item() < 0 {
      throw ConstrainedError("\(name): inequality multipliers must start >= 0, got minimum initial value "
        + "\(try initialValues.min().item())")
    }
    store = try EntryStore(initial: initialValues, access: access, what: name)
    self.kind = kind
    self.restartOnFeasible = restartOnFeasible
    self.name = name
  }

  /// A copy of all current values.
  public func values() throws -> Tensor { try store.value.clone() }

  /// A copy of the values at `indices` (required for `.indexed`, forbidden for `.dense`).
  public func values(at indices: Tensor?) throws -> Tensor { try store.read(at: indices, "multiplier '\(name)'") }

  /// Writes `newValues` at `indices` (everywhere when nil), projecting inequality entries onto `>= 0`.
  /// Dual optimizers call this; `newValues` may be modified in place.
  public func assign(_ newValues: Tensor, at indices: Tensor?) throws {
    try Torch.withNoGrad {
      if kind == .inequality { try newValues.clampMin_(0) }
      try store.write(newValues, at: indices, "multiplier '\(name)'")
    }
  }

  /// Resets the entries at `indices` to their initial values.
  public func restart(at indices: Tensor) throws {
    try Torch.withNoGrad { try store.write(try store.initial.indexSelect(dim: 0, index: indices), at: indices, name) }
  }

  /// `[("value", copy of the values)]`.
  public func state() throws -> [(name: String, tensor: Tensor)] { try store.state() }

  /// Restores the values from `state()`.
  /// - Throws: `ConstrainedError` on a missing, unknown or mis-shaped entry, or a negative entry for
  ///   an inequality multiplier.
  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws {
    if kind == .inequality {
      for (_, t) in state where t.count > 0 {
        let lowest = try t.min().item()
        guard lowest >= 0 else {
          throw ConstrainedError("multiplier '\(name)' state: inequality multipliers must be >= 0, got \(lowest)")
        }
      }
    }
    try store.loadState(state, "multiplier '\(name)'")
  }
}

/// The gradient of the dual Lagrangian with respect to a multiplier's observed entries.
public struct DualGradient {
  /// One value per observed entry (1-D, the multiplier's dtype).
  public let values: Tensor
  /// The observed entries; nil for a dense multiplier (all entries).
  public let indices: Tensor?
}
