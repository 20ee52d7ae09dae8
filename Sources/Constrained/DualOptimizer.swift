import Optim
import Torch

/// A gradient-ascent optimizer for Lagrange multipliers.
///
/// It owns a fixed list of multipliers; `step()` moves every multiplier that holds a
/// `dualGradient` in the ascent direction, reading and writing only the observed entries, and
/// writes through `Multiplier.assign`, which projects inequality multipliers onto `λ >= 0`.
/// Per-entry state (momentum, PI error averages) is a dense tensor per multiplier that is only
/// read and written at the observed indices, so an unobserved constraint's state is frozen.
public protocol DualOptimizer: AnyObject {
  var multipliers: [Multiplier] { get }
  /// The dual step size `η_λ`.
  var learningRate: Double { get set }
  /// Per-entry state (momentum buffers, PI error averages) with its restart and checkpoint code.
  var slots: DualOptimizerState { get set }
  /// One ascent step on every multiplier holding a `dualGradient`.
  func step() throws
}

extension DualOptimizer {
  /// Forgets the state of `multiplier`'s entries at `indices` (used by dual restarts), so the next
  /// update of those entries is a first update.
  public func resetState(of multiplier: Multiplier, at indices: Tensor) throws {
    guard let i = position(of: multiplier) else { return }
    try Torch.withNoGrad { try slots.reset(i, at: indices) }
  }

  /// Named copies of the state: `lr` and `state.<i>.<slot>` for multiplier `i`.
  public func state() throws -> [(name: String, tensor: Tensor)] { try slots.export(learningRate: learningRate) }

  /// Restores what `state()` returned; throws on unknown or mis-shaped entries.
  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws {
    if let lr = try slots.restore(state, multipliers: multipliers, owner: "\(type(of: self))") { learningRate = lr }
  }
}

/// Per-multiplier dense state tensors (Optim's `OptimizerSlots`, one owner per multiplier) plus a
/// per-entry "has been updated" mask, allocated on the first step, shared by the dual optimizers'
/// update, restart and checkpoint code.
public struct DualOptimizerState {
  var slots: OptimizerSlots
  /// Per multiplier: bool mask of entries updated at least once.
  var seen: [Tensor?]

  var names: [String] { slots.names }
  /// [slot][multiplier]
  var values: [[Tensor?]] { slots.values }

  /// Empty state with the given slot names for `count` multipliers.
  public init(names: [String], count: Int) {
    slots = OptimizerSlots(names: names, count: count)
    seen = Array(repeating: nil, count: count)
  }

  /// Allocates zeroed slots and an all-false mask for multiplier `i` on first use.
  mutating func ensure(_ i: Int, like m: Multiplier) throws {
    guard seen[i] == nil else { return }
    for s in names.indices { slots.values[s][i] = try Tensor.zeros(like: m.store.value) }
    seen[i] = try Tensor.zeros([m.count], dtype: .bool, device: m.store.value.device)
  }

  func reset(_ i: Int, at indices: Tensor) throws {
    guard let mask = seen[i] else { return }
    let falseValue = try Tensor.zeros([], dtype: .bool, device: mask.device)
    try mask.indexPut_(index: indices, values: falseValue)
    for s in names.indices {
      if let t = values[s][i] { try t.indexPut_(index: indices, values: try Tensor.zeros([], dtype: t.dtype, device: t.device)) }
    }
  }

  /// The slots plus each multiplier's mask as a float `initialized` slot.
  func export(learningRate: Double) throws -> [(name: String, tensor: Tensor)] {
    var withMask = OptimizerSlots(names: names + ["initialized"], count: seen.count)
    for i in seen.indices {
      guard let mask = seen[i] else { continue }
      for s in names.indices { withMask.values[s][i] = values[s][i] }
      withMask.values[names.count][i] = try mask.to(.float32)
    }
    return try withMask.export(learningRate: learningRate, copy: true)
  }

  /// Reads `state.<i>.<slot>` and `state.<i>.initialized` back; every multiplier with any entry must
  /// have all of them. Returns the learning rate when present.
  mutating func restore(_ state: [(name: String, tensor: Tensor)], multipliers: [Multiplier], owner: String) throws -> Double? {
    let restored = try OptimizerSlots.restoring(
      state, names: names + ["initialized"], like: multipliers.map(\.store.value), owner: owner,
      ownerName: { "multiplier '\(multipliers[$0].name)'" }, fail: ConstrainedError.init)
    var fresh = DualOptimizerState(names: names, count: multipliers.count)
    for i in multipliers.indices {
      let present = restored.slots.values.map { $0[i] != nil }
      guard present.allSatisfy({ $0 }) || present.allSatisfy({ !$0 }) else {
        throw ConstrainedError("\(owner) state: incomplete state for multiplier \(i) ('\(multipliers[i].name)'); "
          + "expected \((names + ["initialized"]).map { "state.\(i).\($0)" })")
      }
      for s in names.indices { fresh.slots.values[s][i] = restored.slots.values[s][i] }
      fresh.seen[i] = try restored.slots.values[names.count][i].map { try $0.gt(0.5) }
    }
    self = fresh
    return try restored.extras["lr"]?.item()
  }
}

extension DualOptimizer {
  /// The position of `multiplier` in `multipliers`, by identity.
  func position(of multiplier: Multiplier) -> Int? { multipliers.firstIndex { $0 === multiplier } }
}
