import Torch

/// The penalty coefficients `ρ` of one constraint group, for the augmented Lagrangian and the
/// quadratic penalty. A dense coefficient with a single entry is shared by every constraint of
/// the group; otherwise there is one entry per constraint, read like a multiplier's.
public final class PenaltyCoefficient {
  /// Whether the state gives indices of observed constraints.
  public var access: EntryAccess { store.access }
  /// Number of entries (1 for a shared coefficient).
  public var count: Int { store.count }
  /// Whether a single coefficient serves the whole group.
  public var isShared: Bool { access == .dense && count == 1 }
  /// Name used in errors and checkpoints; `Constraint` sets it to the constraint's name.
  public internal(set) var name: String

  let store: EntryStore

  /// `count` coefficients all equal to `initialValue`.
  /// - Throws: `ConstrainedError` when `count < 1` or `initialValue < 0`.
  public convenience init(count: Int = 1, initialValue: Double, access: EntryAccess = .dense, dtype: DType = .float32,
                          device: Device = .cpu, name: String = "penalty") throws {
    guard count >= 1 else { throw ConstrainedError("\(name): count must be >= 1, got \(count)") }
    try self.init(initialValues: Tensor.full([count], value: initialValue, dtype: dtype, device: device), access: access,
                  name: name)
  }

  /// Coefficients starting at the entries of the 1-D float tensor `initialValues` (copied).
  /// - Throws: `ConstrainedError` when the tensor is not 1-D floating point or has a negative entry.
  public init(initialValues: Tensor, access: EntryAccess = .dense, name: String = "penalty") throws {
    if initialValues.count > 0, try initialValues.min().item() < 0 {
      throw ConstrainedError("\(name): penalty coefficients must be >= 0, got minimum \(try initialValues.min().item())")
    }
    store = try EntryStore(initial: initialValues, access: access, what: name)
    self.name = name
  }

  /// A copy of all current values.
  public func values() throws -> Tensor { try store.value.clone() }

  /// The coefficients for the constraints at `indices` (a shared coefficient is returned as is,
  /// one entry that broadcasts).
  public func values(at indices: Tensor?) throws -> Tensor {
    if isShared { return try store.value.clone() }
    return try store.read(at: indices, "penalty coefficient '\(name)'")
  }

  /// Writes `newValues` at `indices` (everywhere when nil or shared).
  public func assign(_ newValues: Tensor, at indices: Tensor?) throws {
    try Torch.withNoGrad { try store.write(newValues, at: isShared ? nil : indices, "penalty coefficient '\(name)'") }
  }

  /// Initial values at `indices` (all when nil or shared).
  func initialValues(at indices: Tensor?) throws -> Tensor {
    try store.initial.entries(at: isShared ? nil : indices)
  }

  /// `[("value", copy of the values)]`.
  public func state() throws -> [(name: String, tensor: Tensor)] { try store.state() }

  /// Restores the values from `state()`; throws on a missing, unknown or mis-shaped entry.
  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws {
    try store.loadState(state, "penalty coefficient '\(name)'")
  }
}
