import Optim
import Torch

/// Gradient descent-ascent on the Lagrangian of a constrained problem (a Swift Cooper): primal
/// optimizers from NN minimize the primal Lagrangian over the model's parameters, `DualOptimizer`s
/// maximize the dual Lagrangian over the multipliers, in the chosen `UpdateOrder`.
///
/// ```swift
/// let optimizer = try ConstrainedOptimizer(constraints: problem.constraints, primal: [sgd],
///                                          dual: [DualSGD(multipliers: [lambda], learningRate: 0.1)],
///                                          order: .alternatingDualPrimal)
/// for batch in batches { try optimizer.roll(problem, batch: batch) }
/// ```
public final class ConstrainedOptimizer {
  /// Every constraint group of the problem; states may observe any subset of them.
  public let constraints: [Constraint]
  /// Minimize the primal Lagrangian; stepped together, in this order.
  public let primalOptimizers: [Optimizer]
  /// Maximize the dual Lagrangian; every multiplier belongs to exactly one.
  public let dualOptimizers: [DualOptimizer]
  /// Which player moves first, and where gradients are measured.
  public let order: UpdateOrder
  /// When set, called with the dual step's state at the end of every `roll`.
  public var penaltyUpdater: PenaltyUpdater?

  /// - Throws: `ConstrainedError` when two constraints share a name or object, a multiplier of a
  ///   constraint belongs to no dual optimizer or to several, or a dual optimizer holds a multiplier
  ///   of no listed constraint.
  public init(constraints: [Constraint], primal: [Optimizer], dual: [DualOptimizer], order: UpdateOrder,
              penaltyUpdater: PenaltyUpdater? = nil) throws {
    var names = Set<String>()
    for c in constraints {
      guard names.insert(c.name).inserted else { throw ConstrainedError("two constraints are named '\(c.name)'") }
    }
    let multipliers = constraints.compactMap(\.multiplier)
    for m in multipliers {
      let owners = dual.filter { $0.multipliers.contains { $0 === m } }.count
      guard owners == 1 else {
        throw ConstrainedError("multiplier of constraint '\(m.name)' belongs to \(owners) dual optimizers; it needs exactly 1")
      }
    }
    for d in dual {
      for m in d.multipliers where !multipliers.contains(where: { $0 === m }) {
        throw ConstrainedError("a dual optimizer holds multiplier '\(m.name)', which belongs to none of the constraints")
      }
    }
    self.constraints = constraints
    primalOptimizers = primal
    dualOptimizers = dual
    self.order = order
    self.penaltyUpdater = penaltyUpdater
  }

  /// One step of the chosen `order` on the problem's batch.
  @discardableResult
  public func roll<P: ConstrainedProblem>(_ problem: P, batch: P.Batch) throws -> RollOut {
    try roll(computeState: { try problem.computeState(batch) },
             computeViolations: { try problem.computeViolations(batch) })
  }

  /// One step of the chosen `order`. `computeState` evaluates objective and constraints at the
  /// current primal point; `computeViolations` (used only by `.alternatingPrimalDual`) evaluates only
  /// the constraints and returns a state whose loss is nil, or nil to fall back on `computeState`.
  @discardableResult
  public func roll(computeState: () throws -> ProblemState,
                   computeViolations: (() throws -> ProblemState?)? = nil) throws -> RollOut {
    let out: RollOut
    switch order {
    case .simultaneous: out = try rollSimultaneous(computeState)
    case .alternatingDualPrimal: out = try rollDualPrimal(computeState)
    case .alternatingPrimalDual: out = try rollPrimalDual(computeState, computeViolations)
    case .extragradient: out = try rollExtragradient(computeState)
    }
    try penaltyUpdater?.step(out.state)
    return out
  }

  // MARK: building blocks

  /// Checks every observed constraint against this optimizer's constraints and fills defaults.
  func resolve(_ state: ProblemState) throws -> [ResolvedObservation] {
    var seen = Set<ObjectIdentifier>()
    return try state.observed.map { constraint, cs in
      guard constraints.contains(where: { $0 === constraint }) else {
        throw ConstrainedError("constraint '\(constraint.name)' is not one of this optimizer's constraints")
      }
      guard seen.insert(ObjectIdentifier(constraint)).inserted else {
        throw ConstrainedError("constraint '\(constraint.name)' is observed twice in one state")
      }
      return try ResolvedObservation(constraint, cs)
    }
  }

  /// `f + Σ contributions` with the multipliers' current values held constant; nil when the state has
  /// neither a loss nor a contributing constraint.
  public func primalLagrangian(_ state: ProblemState) throws -> Tensor? {
    try primalLagrangian(state.loss, try resolve(state))
  }

  func primalLagrangian(_ loss: Tensor?, _ observations: [ResolvedObservation]) throws -> Tensor? {
    var total = loss
    for o in observations {
      guard let term = try o.primalContribution() else { continue }
      total = try total.map { try $0 + term } ?? term
    }
    return total
  }

  /// Clears the primal gradients, differentiates the primal Lagrangian; returns its detached value.
  func primalBackward(_ loss: Tensor?, _ observations: [ResolvedObservation]) throws -> Tensor? {
    for o in primalOptimizers { try o.zeroGrad() }
    guard let lagrangian = try primalLagrangian(loss, observations) else { return nil }
    if lagrangian.requiresGrad { try lagrangian.backward() }
    return try lagrangian.detached()
  }

  func primalOptimizerStep() throws {
    for o in primalOptimizers { try o.step() }
  }

  /// One dual step from the strict violations of `state`, touching only the observed entries:
  /// every observed multiplier gets its dual gradient, every dual optimizer steps (projecting
  /// inequality multipliers), and multipliers with `restartOnFeasible` reset their strictly feasible
  /// observed entries.
  public func dualStep(using state: ProblemState) throws { try dualStep(try resolve(state)) }

  func dualStep(_ observations: [ResolvedObservation]) throws {
    try Torch.withNoGrad {
      for c in constraints { c.multiplier?.dualGradient = nil }
      defer { for c in constraints { c.multiplier?.dualGradient = nil } }
      var anyGradient = false
      for o in observations {
        guard let m = o.constraint.multiplier, let g = try o.dualGradient() else { continue }
        m.dualGradient = g
        anyGradient = true
      }
      guard anyGradient else { return }
      for d in dualOptimizers { try d.step() }
      for o in observations {
        guard let m = o.constraint.multiplier, m.restartOnFeasible, m.kind == .inequality,
              o.state.contributesToDualUpdate else { continue }
        try restartFeasible(m, strict: o.strict, indices: o.strictIndices)
      }
    }
  }

  /// Resets the entries of `m` whose strict violation is negative to their initial value, and
  /// makes the owning dual optimizer forget them.
  func restartFeasible(_ m: Multiplier, strict: Tensor, indices: Tensor?) throws {
    let feasible = try strict.lt(0)
    let positions = try feasible.nonzero().reshaped([-1])
    guard positions.count > 0 else { return }
    let restarted = try indices.map { try $0.indexSelect(dim: 0, index: positions) } ?? positions
    try m.restart(at: restarted)
    for d in dualOptimizers where d.multipliers.contains(where: { $0 === m }) {
      try d.resetState(of: m, at: restarted)
    }
  }
}
