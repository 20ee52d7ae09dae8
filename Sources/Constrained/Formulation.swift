/// How a constraint group enters the primal Lagrangian (what the primal player minimizes) and
/// the dual Lagrangian (what the multipliers maximize). Names follow Cooper 1.0.
///
/// Notation: `g̃`/`h̃` are the differentiable proxy violations of a batch (`ConstraintState.violation`),
/// `g`/`h` the strict violations (`ConstraintState.strictViolation`, defaulting to the detached proxy),
/// `λ`/`μ` the multipliers (constants in the primal Lagrangian), `ρ` the penalty coefficients.
public enum Formulation: Sendable, Equatable, CustomStringConvertible {
  /// Lagrangian (Cooper `Lagrangian`).
  /// - primal: `f + λᵀ g̃ + μᵀ h̃`
  /// - dual: `λᵀ g + μᵀ h`, so the dual gradient of each entry is its strict violation.
  ///
  /// Needs a multiplier and no penalty coefficient.
  case lagrangian

  /// Augmented Lagrangian (Cooper `AugmentedLagrangianFunction`, or with `scaleDualByPenalty`
  /// Cooper `AugmentedLagrangian`, the augmented Lagrangian *method*).
  /// - primal, equality: `μᵀ h̃ + (ρ/2) ‖h̃‖²`
  /// - primal, inequality: `λ*ᵀ g̃ − (1/(2ρ)) ‖λ* − λ‖²` summed entrywise with `λ* = relu(λ + ρ g̃)`,
  ///   computed as `Σ (relu(λ + ρ g̃)² − λ²) / (2ρ)`; its gradient is `λ* ∇g̃` (Nocedal & Wright 17.65).
  /// - dual: `λᵀ g + μᵀ h`; with `scaleDualByPenalty` it is `(ρ ⊙ λ)ᵀ g + (ρ ⊙ μ)ᵀ h`, so a dual
  ///   SGD step of learning rate 1 is the classical multiplier update `λ ← relu(λ + ρ g)`.
  ///
  /// Needs a multiplier and a positive penalty coefficient.
  case augmentedLagrangian(scaleDualByPenalty: Bool)

  /// Quadratic penalty (Cooper `QuadraticPenalty`): primal `f + ½ ρᵀ relu(g̃)² + ½ ρᵀ h̃²`,
  /// no dual variables. Needs a penalty coefficient and no multiplier.
  case quadraticPenalty

  /// The augmented Lagrangian with an unscaled dual gradient (SPEC 9.1's default).
  public static var augmentedLagrangian: Formulation { .augmentedLagrangian(scaleDualByPenalty: false) }

  /// Whether the formulation has Lagrange multipliers (and so a dual update).
  public var expectsMultiplier: Bool { self != .quadraticPenalty }
  /// Whether the formulation reads a penalty coefficient.
  public var expectsPenaltyCoefficient: Bool { self != .lagrangian }

  public var description: String {
    switch self {
    case .lagrangian: return "Lagrangian"
    case .augmentedLagrangian(let scaled): return scaled ? "AugmentedLagrangian(scaleDualByPenalty)" : "AugmentedLagrangian"
    case .quadraticPenalty: return "QuadraticPenalty"
    }
  }
}
