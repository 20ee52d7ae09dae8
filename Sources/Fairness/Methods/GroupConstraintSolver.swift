import Constrained
import NN
import Optim
import Torch

/// How the multipliers move (Constrained's dual optimizers).
public enum DualUpdate: Sendable, Equatable {
  /// Projected gradient ascent with optional heavy-ball momentum (`DualSGD`), CEAG's default.
  case gradientAscent(learningRate: Double, momentum: Double = 0)
  /// The nuPI controller (`NuPI`): a proportional term damps the oscillation of plain ascent.
  case nuPI(learningRate: Double, kp: Double, ki: Double = 1, nu: Double = 0)

  func optimizer(for multiplier: Multiplier) throws -> any DualOptimizer {
    switch self {
    case let .gradientAscent(lr, momentum): return try DualSGD(multipliers: [multiplier], learningRate: lr, momentum: momentum)
    case let .nuPI(lr, kp, ki, nu): return try NuPI(multipliers: [multiplier], learningRate: lr, kp: kp, ki: ki, nu: nu)
    }
  }
}

/// Which groups get a constraint and how their replay buffers estimate (SPEC 3; issue 11).
public struct GroupConstraintOptions: Sendable, Equatable {
  /// Replay-buffer capacity k per group; nil estimates on each minibatch instead. A group with
  /// n_g < k training samples gets a buffer of n_g.
  public var bufferSize: Int?
  /// Groups with fewer training samples than this are reported but not constrained: their
  /// accuracy moves in steps of 1/n_g, too coarse for a tolerance of a few points.
  public var minGroupSize: Int
  /// Â as the unweighted mean of the full buffers (the reference code), instead of weighing each
  /// buffer by its group's training size as A_d is weighed. Biased when groups differ in size and
  /// accuracy; kept to reproduce the paper's code.
  public var referenceBufferOverall: Bool
  /// Dual restarts: a group's multiplier drops to 0 as soon as its strict constraint is satisfied
  /// (Gallego-Posada et al.), so a constraint stops pushing once it holds.
  public var dualRestarts: Bool
  /// How the constraints enter the Lagrangian (Constrained's `Formulation`); CEAG's is `.lagrangian`.
  public var formulation: Formulation
  /// ρ, shared by every group, for the augmented Lagrangian and the quadratic penalty.
  public var penaltyCoefficient: Double
  /// Which player moves first (Constrained's `UpdateOrder`); CEAG's is dual first.
  public var updateOrder: UpdateOrder
  /// CEAG's accuracy estimates (replay buffers or minibatch) record whether the model in
  /// evaluation mode (BatchNorm running statistics, no dropout) classifies each sample of the
  /// batch correctly, from one more forward pass without gradients: the accuracy the constraints
  /// and the reports are defined on. false (the reference code): the training forward's
  /// predictions, which differ from it by dropout and batch statistics.
  public var evaluationModeEstimates: Bool

  public init(bufferSize: Int? = 40, minGroupSize: Int = 1, referenceBufferOverall: Bool = false, dualRestarts: Bool = false,
              formulation: Formulation = .lagrangian, penaltyCoefficient: Double = 1,
              updateOrder: UpdateOrder = .alternatingDualPrimal, evaluationModeEstimates: Bool = false) {
    self.bufferSize = bufferSize
    self.minGroupSize = minGroupSize
    self.referenceBufferOverall = referenceBufferOverall
    self.dualRestarts = dualRestarts
    self.evaluationModeEstimates = evaluationModeEstimates
    self.formulation = formulation
    self.penaltyCoefficient = penaltyCoefficient
    self.updateOrder = updateOrder
  }

  /// The groups too small to constrain, by their training sizes, ascending.
  public func unconstrainedGroups(groupCounts: [Int]) -> [Int] {
    groupCounts.indices.filter { groupCounts[$0] < minGroupSize }
  }

  /// The replay buffer on `device` for groups of training sizes `groupCounts`, or nil without buffers.
  func makeBuffer(groupCounts: [Int], device: Device) throws -> ReplayBuffer? {
    try bufferSize.map { k in
      try ReplayBuffer(numGroups: groupCounts.count, capacity: k, groupSizes: groupCounts,
                       overallEstimate: referenceBufferOverall ? .meanOfFullGroups
                         : .sampleWeighted(groupFrequencies: groupCounts.map(Double.init)), device: device)
    }
  }
}

/// The machinery EqualizedLoss and CEAG share: one constraint per group (indexed) in the chosen
/// formulation and update order (CEAG's: Lagrangian, dual step first), the replay buffer, the set
/// of groups that may be constrained, and their checkpoint state (`constrained.*`, `buffer.*`).
final class GroupConstraintSolver {
  let primal: any Optimizer
  let constraint: Constraint
  let optimizer: ConstrainedOptimizer
  let buffer: ReplayBuffer?
  /// Bool [G]: groups with at least `minGroupSize` training samples; nil when that is every group.
  let constrainable: Tensor?
  /// The groups left unconstrained, ascending.
  let unconstrainedGroups: [Int]

  /// Multipliers, penalty coefficients and buffers live on `device`, the model's.
  init(name: String, kind: ConstraintKind, groupCounts: [Int], primal: any Optimizer, dual: DualUpdate,
       options: GroupConstraintOptions, device: Device) throws {
    self.primal = primal
    let formulation = options.formulation
    let multiplier = formulation.expectsMultiplier
      ? try Multiplier(kind: kind, count: groupCounts.count, access: .indexed, initialValue: 0,
                       restartOnFeasible: options.dualRestarts && kind == .inequality, device: device)
      : nil
    guard options.penaltyCoefficient.isFinite, options.penaltyCoefficient > 0 || !formulation.expectsPenaltyCoefficient else {
      throw FairnessError("\(name): the penalty coefficient must be a finite value > 0, got \(options.penaltyCoefficient)")
    }
    let penalty = formulation.expectsPenaltyCoefficient
      ? try PenaltyCoefficient(count: groupCounts.count, initialValue: options.penaltyCoefficient, access: .indexed, device: device)
      : nil
    constraint = try Constraint(name: name, kind: kind, formulation: formulation, multiplier: multiplier, penaltyCoefficient: penalty)
    optimizer = try ConstrainedOptimizer(constraints: [constraint], primal: [primal], dual: try multiplier.map { [try dual.optimizer(for: $0)] } ?? [],
                                         order: options.updateOrder)
    buffer = try options.makeBuffer(groupCounts: groupCounts, device: device)
    unconstrainedGroups = options.unconstrainedGroups(groupCounts: groupCounts)
    constrainable = unconstrainedGroups.isEmpty ? nil : try Tensor(groupCounts.map { $0 >= options.minGroupSize }).to(device: device)
  }

  /// The entries of the group-id list `groups` that may be constrained.
  func restrict(_ groups: Tensor) throws -> Tensor {
    guard let constrainable else { return groups }
    return try groups.maskedSelect(constrainable.indexSelect(dim: 0, index: groups))
  }

  /// A step on the objective alone.
  func objectiveStep(_ f: FineTuningObjective.Evaluation) throws -> StepRecord {
    try primal.zeroGrad()
    try f.objective.backward()
    try primal.step()
    return StepRecord(loss: try f.meanLoss.item(), count: f.batch.globalCount)
  }

  /// One step of the update order on f + constraint terms. `evaluate(record)` runs the model on the
  /// batch and returns the objective and the constraint state; it is called once, or twice for
  /// the orders that measure again (alternating primal-dual, extragradient). `record` is true for
  /// exactly one call per step, the one whose strict violations the dual step uses first: only
  /// that call may push the batch into the replay buffers, so each sample enters them once.
  func constrainedStep(evaluate: (_ record: Bool) throws -> (FineTuningObjective.Evaluation, ConstraintState)) throws -> StepRecord {
    var calls = 0
    var first: (f: FineTuningObjective.Evaluation, state: ConstraintState)?
    let recordingCall = optimizer.order == .alternatingPrimalDual ? 1 : 0
    let out = try optimizer.roll(computeState: {
      defer { calls += 1 }
      let (f, state) = try evaluate(calls == recordingCall)
      if first == nil { first = (f, state) }
      return ProblemState(loss: f.objective, observed: [(self.constraint, state)])
    })
    guard let first else { throw FairnessError("\(constraint.name): the update order evaluated nothing") }
    var record = StepRecord(loss: try first.f.meanLoss.item(), count: first.f.batch.globalCount)
    record.lagrangian = try out.primalLagrangian?.item()
    if let lambda = try multipliers() {
      record.multiplierMax = try lambda.max().item()
      record.multiplierSum = try lambda.sum().item()
    }
    let dualState = out.state.observed.first?.state ?? first.state
    let strict = dualState.strictViolation ?? dualState.violation
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
