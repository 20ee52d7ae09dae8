/// One group of constraints of a problem — all of one kind, sharing a formulation, with one
/// multiplier entry (and optionally one penalty entry) per constraint. Identity matters:
/// a `ProblemState` refers to its constraints by reference.
///
/// ```swift
/// let fairness = try Constraint(name: "excess_gap", kind: .inequality,
///                               multiplier: Multiplier(kind: .inequality, count: groups, access: .indexed))
/// ```
public final class Constraint {
  /// Unique within a problem; names the constraint in errors and checkpoint entries.
  public let name: String
  /// `g <= 0` or `h = 0`.
  public let kind: ConstraintKind
  /// How the group enters the primal and dual Lagrangians.
  public let formulation: Formulation
  /// Lagrange multipliers; nil exactly for the quadratic penalty.
  public let multiplier: Multiplier?
  /// Penalty coefficients; present exactly for the augmented Lagrangian and the quadratic penalty.
  public let penaltyCoefficient: PenaltyCoefficient?

  /// - Throws: `ConstrainedError` when the formulation and the given multiplier / penalty coefficient
  ///   disagree, when the multiplier's kind differs from `kind`, when an augmented-Lagrangian
  ///   penalty has a zero entry (it divides by `ρ`), or when the name is empty.
  public init(name: String, kind: ConstraintKind, formulation: Formulation = .lagrangian,
              multiplier: Multiplier? = nil, penaltyCoefficient: PenaltyCoefficient? = nil) throws {
    guard !name.isEmpty else { throw ConstrainedError("constraint name must not be empty") }
    if formulation.expectsMultiplier, multiplier == nil {
      throw ConstrainedError("constraint '\(name)': \(formulation) needs a multiplier")
    }
    if !formulation.expectsMultiplier, multiplier != nil {
      throw ConstrainedError("constraint '\(name)': \(formulation) has no multiplier, but one was given")
    }
    if formulation.expectsPenaltyCoefficient, penaltyCoefficient == nil {
      throw ConstrainedError("constraint '\(name)': \(formulation) needs a penalty coefficient")
    }
    if !formulation.expectsPenaltyCoefficient, penaltyCoefficient != nil {
      throw ConstrainedError("constraint '\(name)': \(formulation) takes no penalty coefficient, but one was given")
    }
    if let multiplier, multiplier.kind != kind {
      throw ConstrainedError("constraint '\(name)' is an \(kind) constraint but its multiplier was built for \(multiplier.kind)")
    }
    if case .augmentedLagrangian = formulation, let rho = penaltyCoefficient, try rho.values().min().item() <= 0 {
      throw ConstrainedError("constraint '\(name)': augmented Lagrangian penalty coefficients must be > 0, "
        + "got minimum \(try rho.values().min().item())")
    }
    if let multiplier, let rho = penaltyCoefficient, !rho.isShared,
       rho.count != multiplier.count || rho.access != multiplier.access {
      throw ConstrainedError("constraint '\(name)': penalty coefficient (\(rho.count) entries, \(rho.access)) does not "
        + "match the multiplier (\(multiplier.count) entries, \(multiplier.access))")
    }
    self.name = name
    self.kind = kind
    self.formulation = formulation
    self.multiplier = multiplier
    self.penaltyCoefficient = penaltyCoefficient
    multiplier?.name = name
    penaltyCoefficient?.name = name
  }

  /// How entries are addressed: the multiplier's access, else the penalty coefficient's.
  public var access: EntryAccess { multiplier?.access ?? penaltyCoefficient?.access ?? .dense }

  /// Number of constraints in the group, when the multiplier or a per-entry penalty fixes it.
  public var count: Int? {
    if let multiplier { return multiplier.count }
    if let rho = penaltyCoefficient, !rho.isShared { return rho.count }
    return nil
  }
}
