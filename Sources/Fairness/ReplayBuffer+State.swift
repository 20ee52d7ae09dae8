import Torch

/// Saving and restoring a `ReplayBuffer` as named tensors (for the project's safetensors writer).
/// Entry names: `values` (float32 [G, k]), `write_pointers` (int64 [G]), `counts` (int64 [G]),
/// `sums` (float64 [G]). A caller saving several objects prefixes them (`buffer.values`, ...).
extension ReplayBuffer {
  /// Copies of everything a push changes.
  public func state() throws -> [(name: String, tensor: Tensor)] {
    [("values", try contents()), ("write_pointers", try writePointers()), ("counts", try counts()), ("sums", try runningSums())]
  }

  /// Restores what `state()` returned, so that later pushes and queries continue identically.
  /// - Throws: `FairnessError` on a missing or unknown entry, an entry of the wrong shape or dtype,
  ///   a count outside 0...capacity or a write pointer outside 0..<capacity.
  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws {
    let expected: [(String, [Int], DType, Tensor)] = [
      ("values", [numGroups, capacity], .float32, storage), ("write_pointers", [numGroups], .int64, pointers),
      ("counts", [numGroups], .int64, filled), ("sums", [numGroups], .float64, sums),
    ]
    var byName: [String: Tensor] = [:]
    for (name, tensor) in state {
      guard expected.contains(where: { $0.0 == name }) else {
        throw FairnessError("replay buffer state: unexpected entry '\(name)'")
      }
      byName[name] = tensor
    }
    for (name, shape, dtype, _) in expected {
      guard let t = byName[name] else { throw FairnessError("replay buffer state: missing entry '\(name)'") }
      guard t.shape == shape, t.dtype == dtype else {
        throw FairnessError("replay buffer state: '\(name)' is \(t.dtype) \(t.shape), expected \(dtype) \(shape)")
      }
    }
    // Against each group's own capacity k_g (a ring of k_g slots; pointer 0 when k_g = 0).
    try checkRange(byName["counts"]!, name: "counts", upTo: capacities)
    try checkRange(byName["write_pointers"]!, name: "write_pointers", upTo: try (modulus - 1).to(.int64))
    try Torch.withNoGrad {
      for (name, _, _, target) in expected {
        try target.copy_(byName[name]!.reshaped([-1]).reshaped(target.shape))
      }
    }
  }

  private func checkRange(_ t: Tensor, name: String, upTo high: Tensor) throws {
    let values = try t.toArray(Int64.self), limits = try high.toArray(Int64.self)
    if let g = values.indices.first(where: { values[$0] < 0 || values[$0] > limits[$0] }) {
      throw FairnessError("replay buffer state: '\(name)' holds \(values[g]), outside 0...\(limits[g]) (group \(g))")
    }
  }
}
