import Constrained
import NN
import Optim
import Torch

/// The machinery EqualizedLoss and CEAG share: one multiplier per group (indexed), dual ascent
/// first and then a primal step on the Lagrangian (`alternatingDualPrimal`), an optional replay
/// buffer, and their checkpoint state (`constrained.*`, `buffer.*`).
final class GroupConstraintSolver {
  let primal: any Optimizer
  let constraint: Constraint
  let optimizer: ConstrainedOptimizer
  let buffer: ReplayBuffer?

  init(name: String, kind: ConstraintKind, numGroups: Int, primal: any Optimizer, dualLearningRate: Double,
       bufferSize: Int?) throws {
    self.primal = primal
    let multiplier = try Multiplier(kind: kind, count: numGroups, access: .indexed, initialValue: 0)
    constraint = try Constraint(name: name, kind: kind, multiplier: multiplier)
    optimizer = try ConstrainedOptimizer(
      constraints: [constraint], primal: [primal],
      dual: [DualSGD(multipliers: [multiplier], learningRate: dualLearningRate)], order: .alternatingDualPrimal)
    buffer = try bufferSize.map { try ReplayBuffer(numGroups: numGroups, capacity: $0) }
  }

  /// A step on the objective alone.
  func objectiveStep(_ f: FineTuningObjective.Evaluation, targets: Tensor) throws -> StepRecord {
    try primal.zeroGrad()
    try f.objective.backward()
    try primal.step()
    return StepRecord(loss: try f.meanLoss.item(), count: targets.count)
  }

  /// The dual step on `state`'s strict violations, then the primal step on f + Σ λ_g h_g.
  func constrainedStep(_ f: FineTuningObjective.Evaluation, targets: Tensor, state: ConstraintState) throws -> StepRecord {
    let out = try optimizer.roll(computeState: { ProblemState(loss: f.objective, observed: [(self.constraint, state)]) })
    var record = StepRecord(loss: try f.meanLoss.item(), count: targets.count)
    record.lagrangian = try out.primalLagrangian?.item()
    if let lambda = try multipliers() {
      record.multiplierMax = try lambda.max().item()
      record.multiplierSum = try lambda.sum().item()
    }
    let strict = state.strictViolation ?? state.violation
    record.measured = strict.count
    record.maxViolation = strict.count > 0 ? try strict.max().item() : nil
    return record
  }

  func multipliers() throws -> Tensor? { try constraint.multiplier?.values() }

  func state() throws -> [(name: String, tensor: Tensor)] {
    var out = NamedTensors.prefixed(try optimizer.state(), with: "constrained.")
    if let buffer { out += NamedTensors.prefixed(try buffer.state(), with: "buffer.") }
    return out
  }

  func loadState(_ state: [(name: String, tensor: Tensor)]) throws {
    try optimizer.loadState(NamedTensors.entries(state, under: "constrained."))
    if let buffer { try buffer.loadState(NamedTensors.entries(state, under: "buffer.")) }
  }
}
