import Torch

/// The primal and dual Lagrangian terms of one observed constraint group, per `Formulation`.
extension ResolvedObservation {
  /// This group's term of the primal Lagrangian (multipliers and penalties are constants), or nil
  /// when it does not contribute to the primal update.
  func primalContribution() throws -> Tensor? {
    guard state.contributesToPrimalUpdate else { return nil }
    let c = constraint
    switch c.formulation {
    case .lagrangian:
      let lambda = try c.multiplier!.values(at: proxyIndices)
      return try (lambda * proxy).sum()
    case .augmentedLagrangian:
      let lambda = try c.multiplier!.values(at: proxyIndices)
      let rho = try c.penaltyCoefficient!.values(at: proxyIndices)
      switch c.kind {
      case .equality:
        return try (lambda * proxy).sum() + 0.5 * (rho * proxy.square()).sum()
      case .inequality:
        // Σ (relu(λ + ρ g̃)² − λ²) / (2ρ); gradient relu(λ + ρ g̃) ∇g̃.
        let shifted = try (lambda + rho * proxy).relu().square() - lambda.square()
        return try 0.5 * (shifted / rho).sum()
      }
    case .quadraticPenalty:
      let rho = try c.penaltyCoefficient!.values(at: proxyIndices)
      let v = c.kind == .inequality ? try proxy.relu() : proxy
      return try 0.5 * (rho * v.square()).sum()
    }
  }

  /// The gradient of the dual Lagrangian with respect to the observed multiplier entries, or nil
  /// when the group has no multiplier or does not contribute to the dual update.
  func dualGradient() throws -> DualGradient? {
    guard state.contributesToDualUpdate, constraint.multiplier != nil else { return nil }
    if case .augmentedLagrangian(scaleDualByPenalty: true) = constraint.formulation {
      let rho = try constraint.penaltyCoefficient!.values(at: strictIndices)
      return DualGradient(values: try rho * strict, indices: strictIndices)
    }
    return DualGradient(values: strict, indices: strictIndices)
  }
}
