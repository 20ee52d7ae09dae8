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
  /// One ascent step on every multiplier holding a `dualGradient`.
  func step() throws
  /// Forgets the state of `multiplier`'s entries at `indices` (used by dual restarts), so the next
  /// update of those entries is a first update.
  func resetState(of multiplier: Multiplier, at indices: Tensor) throws
  /// Named copies of the state: `lr` and `state.<i>.<slot>` for multiplier `i`.
  func state() throws -> [(name: String, tensor: Tensor)]
  /// Restores what `state()` returned; throws on unknown or mis-shaped entries.
  func loadState(_ state: [(name: String, tensor: Tensor)]) throws
}

/// Per-multiplier dense state tensors plus a per-entry "has been updated" mask, allocated on the
/// first step, shared by the dual optimizers' update, restart and checkpoint code.
struct DualSlots {
  let names: [String]
  /// [slot][multiplier]
  var values: [[Tensor?]]
  /// Per multiplier: bool mask of entries updated at least once.
  var seen: [Tensor?]

  init(names: [String], count: Int) {
    self.names = names
    values = Array(repeating: Array(repeating: nil, count: count), count: names.count)
    seen = Array(repeating: nil, count: count)
  }

  /// Allocates zeroed slots and an all-false mask for multiplier `i` on first use.
  mutating func ensure(_ i: Int, like m: Multiplier) throws {
    guard seen[i] == nil else { return }
    for s in names.indices { values[s][i] = try Tensor.zeros(like: m.store.value) }
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

  func export(learningRate: Double) throws -> [(name: String, tensor: Tensor)] {
    var out: [(name: String, tensor: Tensor)] = [("lr", try Tensor(scalar: learningRate))]
    for i in seen.indices {
      guard let mask = seen[i] else { continue }
      for (s, slot) in names.enumerated() { out.append(("state.\(i).\(slot)", try values[s][i]!.clone())) }
      out.append(("state.\(i).initialized", try mask.to(.float32)))
    }
    return out
  }

  /// Reads `state.<i>.<slot>` and `state.<i>.initialized` back; every multiplier with any entry must
  /// have all of them. Returns the learning rate when present.
  mutating func restore(_ state: [(name: String, tensor: Tensor)], multipliers: [Multiplier], owner: String) throws -> Double? {
    var fresh = DualSlots(names: names, count: multipliers.count)
    var lr: Double?
    for (name, tensor) in state {
      if name == "lr" { lr = try tensor.item(); continue }
      let parts = name.split(separator: ".")
      guard parts.count == 3, parts[0] == "state", let i = Int(parts[1]), multipliers.indices.contains(i) else {
        throw ConstrainedError("\(owner) state: unexpected entry '\(name)'")
      }
      let m = multipliers[i]
      guard tensor.shape == [m.count] else {
        throw ConstrainedError("\(owner) state: '\(name)' has shape \(tensor.shape), multiplier '\(m.name)' has [\(m.count)]")
      }
      if parts[2] == "initialized" {
        fresh.seen[i] = try tensor.gt(0.5)
      } else if let s = names.firstIndex(of: String(parts[2])) {
        fresh.values[s][i] = try tensor.to(m.store.value.dtype, device: m.store.value.device).clone()
      } else {
        throw ConstrainedError("\(owner) state: unexpected entry '\(name)'")
      }
    }
    for i in multipliers.indices {
      let present = fresh.values.map { $0[i] != nil } + [fresh.seen[i] != nil]
      guard present.allSatisfy({ $0 }) || present.allSatisfy({ !$0 }) else {
        throw ConstrainedError("\(owner) state: incomplete state for multiplier \(i) ('\(multipliers[i].name)'); "
          + "expected \((names + ["initialized"]).map { "state.\(i).\($0)" })")
      }
    }
    self = fresh
    return lr
  }
}

extension DualOptimizer {
  /// The position of `multiplier` in `multipliers`, by identity.
  func position(of multiplier: Multiplier) -> Int? { multipliers.firstIndex { $0 === multiplier } }
}
