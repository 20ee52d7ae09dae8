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

/// Named per-entry state of an optimizer, shared by every optimizer's update, masking,
/// checkpoint and restore code: slot `s` of owner `i` (a parameter, or a Lagrange multiplier) is
/// saved as `state.<i>.<slot name>`, next to `lr` and any optimizer-wide extras (`step`).
public struct OptimizerSlots {
  /// Slot names, e.g. `momentum_buffer`, or `exp_avg` and `exp_avg_sq`.
  public let names: [String]
  /// [slot][owner]; nil until the owner's first update.
  public var values: [[Tensor?]]

  public init(names: [String], count: Int) {
    self.names = names
    values = Array(repeating: Array(repeating: nil, count: count), count: names.count)
  }

  /// `lr`, the extras, then every allocated `state.<i>.<slot>`; `copy` clones the tensors instead of
  /// handing out the live buffers.
  public func export(learningRate: Double, extra: [(String, Tensor)] = [], copy: Bool = false) throws
    -> [(name: String, tensor: Tensor)] {
    var out: [(name: String, tensor: Tensor)] = [("lr", try Tensor(scalar: learningRate))]
    for (name, t) in extra { out.append((name, t)) }
    for i in (values.first ?? []).indices {
      for (s, slot) in names.enumerated() {
        if let t = values[s][i] { out.append(("state.\(i).\(slot)", copy ? try t.clone() : t)) }
      }
    }
    return out
  }

  /// Multiplies every slot of owner `i` by `mask` in place (see `Optimizer.maskState`).
  public func mask(ownerAt i: Int, by mask: Tensor) throws {
    try Torch.withNoGrad {
      for slot in values { if let t = slot[i] { try t.mul_(mask) } }
    }
  }

  /// Reads `state` back into fresh slots: `lr` and `extraNames` are returned as extras, every other
  /// entry must be `state.<i>.<slot>` with owner `i` shaped as `like[i]` (and is converted to its
  /// dtype and device). `fail` builds the error from a message; `ownerName(i)` names owner `i` in it.
  public static func restoring(_ state: [(name: String, tensor: Tensor)], names: [String], like: [Tensor],
                               extraNames: Set<String> = [], owner: String, ownerName: (Int) -> String,
                               fail: (String) -> Error) throws -> (slots: OptimizerSlots, extras: [String: Tensor]) {
    var extras: [String: Tensor] = [:]
    var fresh = OptimizerSlots(names: names, count: like.count)
    for (name, tensor) in state {
      if name == "lr" || extraNames.contains(name) { extras[name] = tensor; continue }
      let parts = name.split(separator: ".")
      guard parts.count == 3, parts[0] == "state", let i = Int(parts[1]), like.indices.contains(i),
            let s = names.firstIndex(of: String(parts[2])) else {
        throw fail("\(owner) state: unexpected entry '\(name)'")
      }
      guard tensor.shape == like[i].shape else {
        throw fail("\(owner) state: '\(name)' has shape \(tensor.shape), \(ownerName(i)) has \(like[i].shape)")
      }
      // A copy: the caller may keep mutating what it passed (a snapshot, a checkpoint being read).
      fresh.values[s][i] = try tensor.to(like[i].dtype, device: like[i].device).contiguous().clone()
    }
    return (fresh, extras)
  }
}
