import Torch

/// Grows penalty coefficients while their constraints stay violated (Cooper 1.0's
/// `PenaltyCoefficientUpdater`s, Nocedal & Wright Algorithm 17.4).
///
/// For each observed group with a penalty coefficient, the strict violation at the strict indices
/// is measured entrywise — `relu(g)` for inequalities, `|h|` for equalities, or the norm of that
/// vector for a shared coefficient — and every entry whose measure exceeds `violationTolerance` is
/// increased. With `restartOnFeasible`, inequality entries whose measure is exactly 0 go back to
/// their initial value. Groups with a multiplier are updated when they contribute to the dual
/// update or carry an explicit strict violation; quadratic-penalty groups when they contribute to
/// the primal update.
public protocol PenaltyUpdater {
  var violationTolerance: Double { get }
  var restartOnFeasible: Bool { get }
  /// The new coefficients given the current ones and a bool mask of entries to increase.
  func grown(_ current: Tensor, where increase: Tensor) throws -> Tensor
}

extension PenaltyUpdater {
  /// Updates the penalty coefficients of every observed group of `state` that has one.
  public func step(_ state: ProblemState) throws {
    try Torch.withNoGrad {
      for (constraint, cs) in state.observed {
        guard let rho = constraint.penaltyCoefficient else { continue }
        let shouldUpdate = constraint.formulation.expectsMultiplier
          ? cs.contributesToDualUpdate || (cs.contributesToPrimalUpdate && cs.strictViolation != nil)
          : cs.contributesToPrimalUpdate
        guard shouldUpdate else { continue }
        let observation = try ResolvedObservation(constraint, cs)
        try update(rho, kind: constraint.kind, strict: observation.strict, indices: observation.strictIndices)
      }
    }
  }

  func update(_ rho: PenaltyCoefficient, kind: ConstraintKind, strict: Tensor, indices: Tensor?) throws {
    let violation = kind == .inequality ? try strict.relu() : try strict.abs()
    let measure = rho.isShared ? try violation.norm().reshaped([1]) : violation
    let current = try rho.values(at: indices)
    var next = try grown(current, where: try measure.gt(violationTolerance))
    if restartOnFeasible, kind == .inequality {
      next = try Tensor.where(try measure.eq(0), try rho.initialValues(at: indices), next)
    }
    try rho.assign(next, at: indices)
  }
}

/// Multiplies the coefficients of violated entries by `growthFactor`.
public struct MultiplicativePenaltyUpdater: PenaltyUpdater {
  /// Factor applied to a violated entry's coefficient.
  public let growthFactor: Double
  /// Entries whose violation measure is at most this are left alone.
  public let violationTolerance: Double
  /// Whether satisfied inequality entries return to their initial coefficient.
  public let restartOnFeasible: Bool

  /// - Throws: `ConstrainedError` when `growthFactor < 1` or `violationTolerance < 0`.
  public init(growthFactor: Double = 1.01, violationTolerance: Double = 1e-4, restartOnFeasible: Bool = true) throws {
    guard growthFactor >= 1 else { throw ConstrainedError("growth factor must be >= 1, got \(growthFactor)") }
    guard violationTolerance >= 0 else { throw ConstrainedError("violation tolerance must be >= 0, got \(violationTolerance)") }
    self.growthFactor = growthFactor
    self.violationTolerance = violationTolerance
    self.restartOnFeasible = restartOnFeasible
  }

  public func grown(_ current: Tensor, where increase: Tensor) throws -> Tensor {
    try Tensor.where(increase, try current * growthFactor, current)
  }
}

/// Adds `increment` to the coefficients of violated entries.
public struct AdditivePenaltyUpdater: PenaltyUpdater {
  /// Amount added to a violated entry's coefficient.
  public let increment: Double
  /// Entries whose violation measure is at most this are left alone.
  public let violationTolerance: Double
  /// Whether satisfied inequality entries return to their initial coefficient.
  public let restartOnFeasible: Bool

  /// - Throws: `ConstrainedError` when `increment < 0` or `violationTolerance < 0`.
  public init(increment: Double = 1, violationTolerance: Double = 1e-4, restartOnFeasible: Bool = true) throws {
    guard increment >= 0 else { throw ConstrainedError("increment must be >= 0, got \(increment)") }
    guard violationTolerance >= 0 else { throw ConstrainedError("violation tolerance must be >= 0, got \(violationTolerance)") }
    self.increment = increment
    self.violationTolerance = violationTolerance
    self.restartOnFeasible = restartOnFeasible
  }

  public func grown(_ current: Tensor, where increase: Tensor) throws -> Tensor {
    try Tensor.where(increase, try current + increment, current)
  }
}
