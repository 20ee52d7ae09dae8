import Torch

/// Saving and restoring everything a `ConstrainedOptimizer` updates, as named tensors for the
/// project's safetensors writer. Entry names:
///
/// - `multiplier.<constraint>.value`, `penalty.<constraint>.value`
/// - `dual.<i>.<entry>` for dual optimizer `i` (`lr`, `state.<j>.<slot>`)
/// - `primal.<i>.<entry>` for primal optimizer `i` (its own `state()` names)
///
/// The primal parameters themselves belong to the model's state dict and are not included.
extension ConstrainedOptimizer {
  /// Copies of the multipliers, penalty coefficients and the dual and primal optimizers' state.
  public func state() throws -> [(name: String, tensor: Tensor)] {
    var out: [(name: String, tensor: Tensor)] = []
    for c in constraints {
      for (n, t) in try c.multiplier?.state() ?? [] { out.append(("multiplier.\(c.name).\(n)", t)) }
      for (n, t) in try c.penaltyCoefficient?.state() ?? [] { out.append(("penalty.\(c.name).\(n)", t)) }
    }
    for (i, d) in dualOptimizers.enumerated() {
      for (n, t) in try d.state() { out.append(("dual.\(i).\(n)", t)) }
    }
    for (i, p) in primalOptimizers.enumerated() {
      for (n, t) in try p.state() { out.append(("primal.\(i).\(n)", try t.clone())) }
    }
    return out
  }

  /// Restores what `state()` returned.
  /// - Throws: `ConstrainedError` on an entry naming no constraint or optimizer, or a missing
  ///   multiplier or penalty value; the parts' own errors for mis-shaped entries.
  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws {
    var multiplierParts: [String: [(name: String, tensor: Tensor)]] = [:]
    var penaltyParts: [String: [(name: String, tensor: Tensor)]] = [:]
    var dualParts = Array(repeating: [(name: String, tensor: Tensor)](), count: dualOptimizers.count)
    var primalParts = Array(repeating: [(name: String, tensor: Tensor)](), count: primalOptimizers.count)
    for (name, tensor) in state {
      let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
      guard parts.count == 2 else { throw ConstrainedError("constrained optimizer state: unexpected entry '\(name)'") }
      switch parts[0] {
      case "multiplier", "penalty":
        guard let dot = parts[1].lastIndex(of: ".") else {
          throw ConstrainedError("constrained optimizer state: unexpected entry '\(name)'")
        }
        let constraintName = String(parts[1][..<dot]), entry = String(parts[1][parts[1].index(after: dot)...])
        guard constraints.contains(where: { $0.name == constraintName }) else {
          throw ConstrainedError("constrained optimizer state: '\(name)' names no constraint")
        }
        if parts[0] == "multiplier" {
          multiplierParts[constraintName, default: []].append((entry, tensor))
        } else {
          penaltyParts[constraintName, default: []].append((entry, tensor))
        }
      case "dual", "primal":
        let sub = parts[1].split(separator: ".", maxSplits: 1).map(String.init)
        let limit = parts[0] == "dual" ? dualOptimizers.count : primalOptimizers.count
        guard sub.count == 2, let i = Int(sub[0]), (0..<limit).contains(i) else {
          throw ConstrainedError("constrained optimizer state: '\(name)' names no \(parts[0]) optimizer")
        }
        if parts[0] == "dual" { dualParts[i].append((sub[1], tensor)) } else { primalParts[i].append((sub[1], tensor)) }
      default:
        throw ConstrainedError("constrained optimizer state: unexpected entry '\(name)'")
      }
    }
    for c in constraints {
      if let m = c.multiplier { try m.loadState(multiplierParts[c.name] ?? []) }
      if let rho = c.penaltyCoefficient { try rho.loadState(penaltyParts[c.name] ?? []) }
    }
    for (d, s) in zip(dualOptimizers, dualParts) { try d.loadState(s) }
    for (p, s) in zip(primalOptimizers, primalParts) { try p.loadState(s) }
  }
}
