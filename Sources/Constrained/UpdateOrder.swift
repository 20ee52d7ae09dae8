import Torch

/// The order in which a `ConstrainedOptimizer` updates the primal and dual variables (Cooper 1.0 names
/// in parentheses). `x` are the primal parameters, `λ` the multipliers, `L_θ`/`L_λ` the primal and
/// dual Lagrangians of the formulation.
public enum UpdateOrder: Sendable, Equatable, CustomStringConvertible {
  /// (`SimultaneousOptimizer`) One evaluation at `(x_t, λ_t)`; primal step on `∇ₓL_θ(x_t, λ_t)` and
  /// dual step on `∇_λ L_λ(x_t)`.
  case simultaneous
  /// (`AlternatingPrimalDualOptimizer`) Primal step at `(x_t, λ_t)`, then the violations are measured
  /// again at `x_{t+1}` (with `computeViolations` when given, else a second `computeState`, both
  /// without autograd) and the dual step uses those.
  case alternatingPrimalDual
  /// (`AlternatingDualPrimalOptimizer`, CEAG's order, SPEC 2.6) One evaluation at `x_t`; dual step
  /// first, with the strict violations at the strict indices, then the primal step on
  /// `L_θ(x_t, λ_{t+1})`, the new multipliers held constant. One forward and one backward.
  case alternatingDualPrimal
  /// (`ExtrapolationConstrainedOptimizer`) Extragradient: both players step from `(x_t, λ_t)` to an
  /// extrapolated `(x̃, λ̃)`; the gradients measured there are applied from `(x_t, λ_t)`. Two
  /// evaluations per step. The extrapolation is a look-ahead: the optimizers' state changes it makes
  /// are undone, so the kept update is the primal and dual optimizers' step with the extrapolated
  /// gradients.
  case extragradient

  public var description: String {
    switch self {
    case .simultaneous: return "simultaneous"
    case .alternatingPrimalDual: return "alternatingPrimalDual"
    case .alternatingDualPrimal: return "alternatingDualPrimal"
    case .extragradient: return "extragradient"
    }
  }
}

/// What one `roll` measured.
public struct RollOut {
  /// The objective of the state the step used last (nil when it had none).
  public let loss: Tensor?
  /// The state the dual step used (for `.alternatingPrimalDual` the one at the new point,
  /// for `.extragradient` the one at the extrapolated point).
  public let state: ProblemState
  /// Detached value of the primal Lagrangian that was differentiated (nil when nothing was).
  public let primalLagrangian: Tensor?
}
