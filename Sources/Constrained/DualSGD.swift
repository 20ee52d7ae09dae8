import Torch

/// Projected gradient ascent on multipliers, with optional heavy-ball momentum (the update of
/// torch.optim.SGD with `maximize=True`, applied per observed entry):
///
/// `b ← g` on an entry's first update, else `b ← μ b + (1 − dampening) g`;
/// `d = nesterov ? g + μ b : b` (just `g` without momentum); `λ ← proj(λ + η d)`.
///
/// With indexed multipliers the momentum buffer of an unobserved entry stays frozen until the
/// entry is observed again (a "lazy" momentum, as sparse optimizers do).
/// CEAG uses plain projected ascent: `DualSGD(multipliers:, learningRate:)`.
public final class DualSGD: DualOptimizer {
  /// The multipliers this optimizer moves (state entries are numbered in this order).
  public let multipliers: [Multiplier]
  /// Dual step size `η`.
  public var learningRate: Double
  /// Heavy-ball coefficient `μ` (0: plain projected ascent) and dampening of the new gradient.
  public let momentum: Double, dampening: Double
  /// Whether the step looks ahead along the momentum (`g + μ b`).
  public let nesterov: Bool
  public var slots: DualOptimizerState

  /// - Throws: `ConstrainedError` for a negative learning rate or momentum, Nesterov without
  ///   momentum or with dampening, or a multiplier listed twice.
  public init(multipliers: [Multiplier], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
              nesterov: Bool = false) throws {
    guard learningRate >= 0 else { throw ConstrainedError("DualSGD: learning rate must be >= 0, got \(learningRate)") }
    guard momentum >= 0 else { throw ConstrainedError("DualSGD: momentum must be >= 0, got \(momentum)") }
    guard !nesterov || (momentum > 0 && dampening == 0) else {
      throw ConstrainedError("DualSGD: Nesterov momentum requires momentum > 0 and zero dampening")
    }
    try checkDistinct(multipliers, "DualSGD")
    self.multipliers = multipliers
    self.learningRate = learningRate
    self.momentum = momentum
    self.dampening = dampening
    self.nesterov = nesterov
    slots = DualOptimizerState(names: ["momentum_buffer"], count: multipliers.count)
  }

  public func step() throws {
    try Torch.withNoGrad {
      for (i, m) in multipliers.enumerated() {
        guard let grad = m.dualGradient else { continue }
        let idx = grad.indices
        let lambda = try m.values(at: idx)  // first, so a bad index is reported against the multiplier
        var direction = grad.values
        if momentum != 0 {
          try slots.ensure(i, like: m)
          let buffer = slots.values[0][i]!, seen = slots.seen[i]!
          let previous = try buffer.entries(at: idx)
          let blended = try previous * momentum
          try blended.add_(grad.values, alpha: 1 - dampening)
          let updated = try Tensor.where(try seen.entries(at: idx), blended, grad.values)
          try buffer.setEntries(updated, at: idx)
          try seen.setEntries(try Tensor.ones([], dtype: .bool, device: seen.device), at: idx)
          direction = nesterov ? try grad.values + momentum * updated : updated
        }
        try lambda.add_(direction, alpha: learningRate)
        try m.assign(lambda, at: idx)
      }
    }
  }
}

/// Throws when a multiplier appears twice in one optimizer.
func checkDistinct(_ multipliers: [Multiplier], _ owner: String) throws {
  for (i, m) in multipliers.enumerated() where multipliers[..<i].contains(where: { $0 === m }) {
    throw ConstrainedError("\(owner): multiplier '\(m.name)' is listed twice")
  }
}
