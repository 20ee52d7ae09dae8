import Torch

/// A first-order optimizer over a fixed list of parameter tensors, updated in place.
///
/// `state()` returns every tensor needed to resume (momentum buffers, moments, step counts,
/// the current learning rate) under stable names, so optimizer state is part of a checkpoint.
public protocol Optimizer: AnyObject {
  var parameters: [Tensor] { get }
  /// Current step size; LR schedules set it once per epoch.
  var learningRate: Double { get set }
  /// One update from the parameters' accumulated gradients; parameters without a gradient are skipped.
  func step() throws
  /// Named state tensors, e.g. `state.3.momentum_buffer`.
  func state() throws -> [(name: String, tensor: Tensor)]
  /// Restores what `state()` returned; throws on unknown or mis-shaped entries.
  func loadState(_ state: [(name: String, tensor: Tensor)]) throws
  /// Multiplies, in place, every state tensor kept for `parameters[index]` (SGD's momentum
  /// buffer, Adam's two moments) by `mask`, which broadcasts against the parameter; a bool mask
  /// zeroes the entries where it is false. A parameter without state yet is left alone.
  /// Sparse training calls this after pruning so that pruned entries carry no momentum.
  func maskState(ofParameterAt index: Int, by mask: Tensor) throws
}

extension Optimizer {
  /// Drops every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`).
  public func zeroGrad() throws {
    for p in parameters { try p.setGrad(nil) }
  }

  /// The default throws, so that an optimizer with per-parameter state cannot silently skip
  /// masking; a stateless optimizer implements `maskState(ofParameterAt:by:)` as a no-op.
  public func maskState(ofParameterAt index: Int, by mask: Tensor) throws {
    throw TorchError("\(type(of: self)) does not implement maskState(ofParameterAt:by:)")
  }
}

/// Per-parameter state slots shared by the optimizers' save and restore code.
struct OptimizerSlots {
  let names: [String]
  var values: [[Tensor?]]  // [slot][parameter]

  init(names: [String], count: Int) {
    self.names = names
    values = Array(repeating: Array(repeating: nil, count: count), count: names.count)
  }

  func export(learningRate: Double, extra: [(String, Tensor)] = []) throws -> [(name: String, tensor: Tensor)] {
    var out: [(name: String, tensor: Tensor)] = [("lr", try Tensor(scalar: learningRate))]
    for (name, t) in extra { out.append((name, t)) }
    for (s, slot) in names.enumerated() {
      for (i, t) in values[s].enumerated() { if let t { out.append(("state.\(i).\(slot)", t)) } }
    }
    return out
  }

  /// Multiplies every slot of parameter `i` by `mask` in place (see `Optimizer.maskState`).
  func mask(parameterAt i: Int, by mask: Tensor) throws {
    try Torch.withNoGrad {
      for slot in values { if let t = slot[i] { try t.mul_(mask) } }
    }
  }

  /// Reads `state.<i>.<slot>` entries back, checking each against its parameter's shape.
  mutating func restore(_ state: [(name: String, tensor: Tensor)], parameters: [Tensor], extraNames: Set<String>) throws -> [String: Tensor] {
    var extras: [String: Tensor] = [:]
    var fresh = OptimizerSlots(names: names, count: parameters.count)
    for (name, tensor) in state {
      if name == "lr" || extraNames.contains(name) { extras[name] = tensor; continue }
      let parts = name.split(separator: ".")
      guard parts.count == 3, parts[0] == "state", let i = Int(parts[1]), i >= 0, i < parameters.count,
            let s = names.firstIndex(of: String(parts[2])) else {
        throw TorchError("optimizer state: unexpected entry '\(name)'")
      }
      guard tensor.shape == parameters[i].shape else {
        throw TorchError("optimizer state: '\(name)' has shape \(tensor.shape), parameter \(i) has \(parameters[i].shape)")
      }
      fresh.values[s][i] = try tensor.to(parameters[i].dtype, device: parameters[i].device).contiguous()
    }
    self = fresh
    return extras
  }
}
