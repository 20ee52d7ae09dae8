import Torch

/// How the per-constraint values of a multiplier or penalty coefficient are read and written.
public enum EntryAccess: Sendable, Equatable, CustomStringConvertible {
  /// Every constraint of the group is observed at every step; states carry no indices.
  case dense
  /// Only the constraints named by the state's indices are read and updated (Cooper's
  /// `IndexedMultiplier`); a step costs O(observed), not O(count).
  case indexed

  public var description: String { self == .dense ? "dense" : "indexed" }
}

extension Tensor {
  /// The entries at `indices` along dimension 0 (a copy), or self when `indices` is nil.
  func entries(at indices: Tensor?) throws -> Tensor {
    guard let indices else { return self }
    return try indexSelect(dim: 0, index: indices)
  }

  /// Writes `values` at `indices` along dimension 0, or over the whole tensor when `indices` is nil.
  func setEntries(_ values: Tensor, at indices: Tensor?) throws {
    if let indices { try indexPut_(index: indices, values: values) } else { try copy_(values) }
  }
}

/// Checks that `indices` is a 1-D int64 tensor; `what` names it in the error.
func checkIndexTensor(_ indices: Tensor, _ what: String) throws {
  guard indices.dtype == .int64 else {
    throw ConstrainedError("\(what) must be int64, got \(indices.dtype)")
  }
  guard indices.rank == 1 else {
    throw ConstrainedError("\(what) must be 1-D, got shape \(indices.shape)")
  }
}

/// A 1-D float tensor of per-constraint values with its initial values, shared by multipliers and
/// penalty coefficients.
struct EntryStore {
  let access: EntryAccess
  let value: Tensor
  let initial: Tensor

  init(initial: Tensor, access: EntryAccess, what: String) throws {
    guard initial.rank == 1 else {
      throw ConstrainedError("\(what): initial values must be 1-D, got shape \(initial.shape)")
    }
    guard initial.dtype.isFloatingPoint else {
      throw ConstrainedError("\(what): initial values must be floating point, got \(initial.dtype)")
    }
    self.access = access
    self.initial = try initial.detached().clone()
    value = try initial.detached().clone()
  }

  var count: Int { value.count }

  /// A copy of the values at `indices` (all values for dense access); `what` names the owner in errors.
  func read(at indices: Tensor?, _ what: String) throws -> Tensor {
    switch (access, indices) {
    case (.dense, nil): return try value.clone()
    case (.dense, .some): throw ConstrainedError("\(what) is dense but the state gives indices; use an indexed one")
    case (.indexed, nil): throw ConstrainedError("\(what) is indexed but the state gives no indices")
    case (.indexed, .some(let idx)):
      do { return try value.indexSelect(dim: 0, index: idx) } catch let e as TorchError {
        throw ConstrainedError("\(what): cannot read indices (\(count) entries): \(e.message)")
      }
    }
  }

  func write(_ values: Tensor, at indices: Tensor?, _ what: String) throws {
    do { try value.setEntries(values, at: indices) } catch let e as TorchError {
      throw ConstrainedError("\(what): cannot write \(values.shape) values (\(count) entries): \(e.message)")
    }
  }

  /// `[(prefix + "value", copy)]`.
  func state() throws -> [(name: String, tensor: Tensor)] { [("value", try value.clone())] }

  /// Restores `value` from a `state()` list, checking its shape.
  func loadState(_ state: [(name: String, tensor: Tensor)], _ what: String) throws {
    var found = false
    for (name, tensor) in state {
      guard name == "value" else { throw ConstrainedError("\(what) state: unexpected entry '\(name)'") }
      guard tensor.shape == value.shape else {
        throw ConstrainedError("\(what) state: 'value' has shape \(tensor.shape), expected \(value.shape)")
      }
      try Torch.withNoGrad { try value.copy_(tensor) }
      found = true
    }
    guard found else { throw ConstrainedError("\(what) state: missing entry 'value'") }
  }
}
