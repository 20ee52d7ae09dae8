import Torch

/// The nuPI controller of Sohrabi, Ramirez, Zhang, Lacoste-Julien & Gallego-Posada (ICML 2024,
/// "On PI controllers for updating Lagrange multipliers in constrained optimization"), as in
/// Cooper 1.0's `nuPI` with `maximize=True`, applied per observed entry.
///
/// With error `e_t` = the dual gradient (the strict violation):
///
/// `ξ_t = ν ξ_{t−1} + (1 − ν) e_t`, `λ_{t+1} = proj(λ_t + η (K_I e_t + K_P (ξ_t − ξ_{t−1})))`.
///
/// The first update of an entry uses `ξ_{−1} = e_0` with `.sgd` initialization (so it is an SGD
/// step of size `η K_I`) or `ξ_{−1} = 0` with `.zeros` (a step of `η (K_I + K_P (1 − ν)) e_0`).
/// nuPI(K_P = 0, K_I = 1, ν = 0) is `DualSGD`; (K_P = 1, K_I = 1, ν = 0) is the optimistic gradient.
/// The proportional term damps the oscillations of plain gradient ascent on the multipliers.
///
/// Indexed multipliers use the sparse variant: `ξ` and the "initialized" mask are dense tensors
/// read and written only at the observed entries.
public final class NuPI: DualOptimizer {
  /// How `ξ_{−1}` is chosen on an entry's first update.
  public enum Initialization: Sendable { case sgd, zeros }

  /// The multipliers this optimizer moves (state entries are numbered in this order).
  public let multipliers: [Multiplier]
  /// Dual step size `η`.
  public var learningRate: Double
  /// Proportional gain `K_P`, integral gain `K_I`, EMA coefficient `ν`.
  public let kp: Double, ki: Double, nu: Double
  /// Choice of `ξ_{−1}` on each entry's first update.
  public let initialization: Initialization
  public var slots: DualOptimizerState

  /// - Throws: `ConstrainedError` for a negative learning rate, `ν` outside (−1, 1), or a
  ///   multiplier listed twice.
  public init(multipliers: [Multiplier], learningRate: Double, kp: Double = 0, ki: Double = 1, nu: Double = 0,
              initialization: Initialization = .sgd) throws {
    guard learningRate >= 0 else { throw ConstrainedError("NuPI: learning rate must be >= 0, got \(learningRate)") }
    guard nu > -1, nu < 1 else { throw ConstrainedError("NuPI: nu must lie in (-1, 1), got \(nu)") }
    try checkDistinct(multipliers, "NuPI")
    self.multipliers = multipliers
    self.learningRate = learningRate
    self.kp = kp
    self.ki = ki
    self.nu = nu
    self.initialization = initialization
    slots = DualOptimizerState(names: ["xi"], count: multipliers.count)
  }

  /// Whether the proportional term is active (otherwise nuPI is SGD with step `η K_I` and keeps no state).
  var usesProportionalTerm: Bool { kp * (1 - nu) != 0 }

  public func step() throws {
    try Torch.withNoGrad {
      for (i, m) in multipliers.enumerated() {
        guard let grad = m.dualGradient else { continue }
        let idx = grad.indices, error = grad.values
        let lambda = try m.values(at: idx)
        if ki != 0 { try lambda.add_(error, alpha: learningRate * ki) }
        if usesProportionalTerm {
          try slots.ensure(i, like: m)
          let xiStore = slots.values[0][i]!, seen = slots.seen[i]!
          var previous = try xiStore.entries(at: idx)  // unseen entries hold 0
          if initialization == .sgd { previous = try Tensor.where(try seen.entries(at: idx), previous, error) }
          // ξ_t − ξ_{t−1} = (1 − ν)(e_t − ξ_{t−1})
          let change = try (error - previous) * (1 - nu)
          try lambda.add_(change, alpha: learningRate * kp)
          try xiStore.setEntries(try previous + change, at: idx)
          try seen.setEntries(try Tensor.ones([], dtype: .bool, device: seen.device), at: idx)
        }
        try m.assign(lambda, at: idx)
      }
    }
  }
}
