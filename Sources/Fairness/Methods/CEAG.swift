import Constrained
import NN
import Optim
import Torch

/// CEAG, the constrained excess accuracy gap (SPEC 2.9, Algorithm 1, lines 5-14): fine-tuning under
/// one constraint per group, ψ_g ≤ ε, where ψ_g = (A_d,g − A_g) − (A_d − A) is how much more group g
/// lost from pruning than the model as a whole.
///
/// One forward pass gives the objective f = mean CE + (wd/2)‖θ‖², the differentiable loss-gap
/// proxies ψ̃_g = (L_g − L_d,g) − (L − L_d) for the groups B in the batch and, after pushing
/// per-sample correctness into the replay buffers, the strict violations
/// c_g = (A_d,g − Â_g) − (A_d − Â) − ε for the groups F with a full buffer. The dual step comes
/// first (λ_F ← max(0, λ_F + η c_F)), then the primal step on f + Σ_B λ_g ψ̃_g.
public final class CEAG: FineTuningMethod {
  public let objective: FineTuningObjective
  public let groups: GroupSpec
  /// The dense model's per-group and overall train accuracy and loss: the constraints' constants.
  public let dense: DenseReference
  /// ε, in accuracy (a fraction).
  public let tolerance: Double
  /// Use L + R (the L2 term) inside the proxies' overall loss, as the released code does (SPEC 2.7).
  public let reproduceInPlaceL2Quirk: Bool
  let solver: GroupConstraintSolver
  public var model: any Module { objective.model }
  /// The per-group replay buffers of correctness (nil: minibatch estimates, the "no RB" ablation).
  public var buffer: ReplayBuffer? { solver.buffer }
  /// Accuracy estimates from the model in evaluation mode (`GroupConstraintOptions`).
  let evaluationModeEstimates: Bool

  /// - Parameters:
  ///   - dual: how the multipliers move.
  ///   - options: buffer size k (nil: minibatch estimates, the "no RB" ablation), minimum group size,
  ///     and the overall estimate Â (by default weighted by the training group sizes, as A_d).
  public init(objective: FineTuningObjective, primal: any Optimizer, groups: GroupSpec, dense: DenseReference,
              tolerance: Double = 0.01, dual: DualUpdate = .gradientAscent(learningRate: 1e-2),
              options: GroupConstraintOptions = GroupConstraintOptions(), reproduceInPlaceL2Quirk: Bool = false) throws {
    guard dense.groupCounts.count == groups.numGroups else {
      throw FairnessError("CEAG: the dense reference has \(dense.groupCounts.count) groups, the group spec \(groups.numGroups)")
    }
    self.objective = objective
    self.groups = groups
    // The constraints' constants sit where the model's statistics are computed.
    let device = objective.model.device
    self.dense = try dense.to(device: device)
    self.tolerance = tolerance
    self.reproduceInPlaceL2Quirk = reproduceInPlaceL2Quirk
    evaluationModeEstimates = options.evaluationModeEstimates
    solver = try GroupConstraintSolver(name: options.bufferSize == nil ? "ceag-no-rb" : "ceag", kind: .inequality,
                                       groupCounts: dense.groupCounts, primal: primal, dual: dual, options: options,
                                       device: device)
  }

  /// Groups with too few training samples to be constrained (reported, not constrained).
  public var unconstrainedGroups: [Int] { solver.unconstrainedGroups }

  @discardableResult
  public func step(inputs: Tensor, targets: Tensor, attributes: Tensor, mitigate: Bool) throws -> StepRecord {
    guard mitigate else { return try solver.objectiveStep(try objective.evaluate(inputs: inputs, targets: targets)) }
    let ids = try groups.groupIDs(attributes: attributes)
    return try solver.constrainedStep { record in
      let f = try objective.evaluate(inputs: inputs, targets: targets)
      // The buffers ignore a batch they do not record, so no evaluation pass is needed for it.
      let evaluated = evaluationModeEstimates && (record || buffer == nil)
      return (f, try constraintState(f, targets: targets, groupIDs: ids, record: record, evaluationInputs: evaluated ? inputs : nil))
    }
  }

  /// Proxies ψ̃_g on the groups in the batch and strict violations c_g on the valid groups; the
  /// batch's correctness enters the replay buffers only when `record`. With `evaluationInputs`
  /// (the batch's inputs), correctness comes from the model in evaluation mode on them.
  func constraintState(_ f: FineTuningObjective.Evaluation, targets: Tensor, groupIDs: Tensor, record: Bool = true,
                       evaluationInputs: Tensor? = nil) throws -> ConstraintState {
    let lossStats = try f.batch.groupStatistics(values: f.perSample, groupIDs: groupIDs, numGroups: groups.numGroups)
    let present = try solver.restrict(lossStats.presentGroups())
    let overallLoss = reproduceInPlaceL2Quirk ? f.objective : f.meanLoss
    // ψ̃_g = (L_g − L_d,g) − (L − L_d); gradients flow through L_g and L.
    let proxy = try ((lossStats.means - dense.groupLoss) - (overallLoss - dense.loss)).indexSelect(dim: 0, index: present)
    let correct = try Torch.withNoGrad {
      guard let inputs = evaluationInputs else { return try f.logits.argmax(dim: 1).eq(targets) }
      let wasTraining = model.isTraining
      model.eval()
      defer { model.train(wasTraining) }
      return try model(inputs).argmax(dim: 1).eq(targets)
    }
    let (groupAccuracy, overallAccuracy, valid) = try accuracyEstimates(correct: correct, groupIDs: groupIDs, present: present,
                                                                        batch: f.batch, record: record)
    // c_g = (A_d,g − Â_g) − (A_d − Â) − ε
    let strictAll = try (dense.groupAccuracy - groupAccuracy) - (overallAccuracy * -1 + dense.accuracy) - tolerance
    let constrained = try solver.restrict(valid)
    return try ConstraintState(violation: proxy, strictViolation: strictAll.indexSelect(dim: 0, index: constrained),
                               indices: present, strictIndices: constrained)
  }

  /// Â_g, Â and the valid group set: full replay buffers (SPEC 3) or the groups in the (global)
  /// batch. The minibatch Â is the batch accuracy, sample-weighted like A_d. Under data
  /// parallelism the buffers receive the global batch in its order, identically on every rank.
  func accuracyEstimates(correct: Tensor, groupIDs: Tensor, present: Tensor, batch: BatchShard,
                         record: Bool = true) throws -> (Tensor, Tensor, Tensor) {
    if let buffer {
      if record { try buffer.push(batch.gather(correct), groupIDs: batch.gather(groupIDs)) }
      let e = try buffer.estimate()
      return (e.means, e.overall, e.fullGroups)
    }
    let stats = try batch.groupStatistics(values: correct, groupIDs: groupIDs, numGroups: groups.numGroups)
    return (try stats.means.to(.float32), try batch.mean(correct.to(.float32)), present)
  }

  public func multipliers() throws -> Tensor? { try solver.multipliers() }
  public func state() throws -> [(name: String, tensor: Tensor)] { try solver.state() }
  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws { try solver.loadState(state) }
}

/// The dense model's train-set accuracies and mean losses, overall and per group (SPEC 1.3):
/// the constants of CEAG's constraints, with the training-set group sizes that weigh them.
public struct DenseReference: @unchecked Sendable {
  /// float32 [G]; 0 for groups absent from the split.
  public private(set) var groupAccuracy: Tensor
  public private(set) var groupLoss: Tensor
  public let accuracy: Double
  public let loss: Double
  /// n_g, the training samples of each group (a sample counts once per attribute for `.separate`).
  public let groupCounts: [Int]

  public init(_ performance: SplitPerformance) throws {
    guard let loss = performance.loss else { throw FairnessError("dense reference needs per-sample losses") }
    groupCounts = performance.groupCounts
    groupAccuracy = try Tensor(performance.groupAccuracies.map { Float($0 ?? 0) })
    groupLoss = try Tensor(performance.groupLosses.map { Float($0 ?? 0) })
    accuracy = performance.accuracy
    self.loss = loss
  }

  /// The same reference with its tensors on `device`.
  public func to(device: Device) throws -> DenseReference {
    var moved = self
    moved.groupAccuracy = try groupAccuracy.to(device: device)
    moved.groupLoss = try groupLoss.to(device: device)
    return moved
  }
}
