import Constrained
import NN
import Optim
import Torch

/// One fine-tuning step of NFT, equalized loss or CEAG on a minibatch.
///
/// CEAG (SPEC 2.9, Algorithm 1, lines 5-14): one forward pass gives the objective
/// f = mean CE + (wd/2)‖θ‖², the loss-gap proxies ψ̃_g = (L_g − L_d,g) − (L − L_d) for the groups B in
/// the batch, and — after pushing per-sample correctness into the replay buffers — the strict
/// violations c_g = (A_d,g − Â_g) − (A_d − Â) − ε for the groups F with a full buffer. The
/// `Constrained` optimizer then takes the dual step first (λ_F ← max(0, λ_F + η c_F)) and the
/// primal step on f + Σ_B λ_g ψ̃_g with the new multipliers.
public final class FineTuner {
  public let model: any Module
  public let primal: any Optimizer
  public let settings: MitigationSettings
  public let groups: GroupSpec
  public let dense: DenseReference
  public let buffer: ReplayBuffer?
  public let constraint: Constraint?
  public let constrainedOptimizer: ConstrainedOptimizer?
  let l2Parameters: [Tensor]
  /// Runs after every optimizer step (sparsity masks re-applied there).
  public var afterStep: (() throws -> Void)?

  public init(model: any Module, primal: any Optimizer, groups: GroupSpec, dense: DenseReference,
              settings: MitigationSettings) throws {
    self.model = model
    self.primal = primal
    self.settings = settings
    self.groups = groups
    self.dense = dense
    l2Parameters = settings.l2Scope.parameters(of: model)
    let g = groups.numGroups
    buffer = settings.method.usesReplayBuffers ? try ReplayBuffer(numGroups: g, capacity: settings.bufferSize) : nil
    switch settings.method {
    case .nft:
      constraint = nil
      constrainedOptimizer = nil
    case .ceag, .ceagNoReplay, .equalizedLoss, .equalizedLossReplay:
      let kind: ConstraintKind = settings.method == .ceag || settings.method == .ceagNoReplay ? .inequality : .equality
      let multiplier = try Multiplier(kind: kind, count: g, access: .indexed, initialValue: 0)
      let c = try Constraint(name: settings.method.rawValue, kind: kind, multiplier: multiplier)
      constraint = c
      constrainedOptimizer = try ConstrainedOptimizer(
        constraints: [c], primal: [primal], dual: [DualSGD(multipliers: [multiplier], learningRate: settings.dualLearningRate)],
        order: .alternatingDualPrimal)
    }
  }

  /// What one step measured (SPEC 7.5's per-step log).
  public struct StepRecord {
    /// Mean cross-entropy of the batch (without the L2 term).
    public var loss: Double
    public var count: Int
    /// Primal Lagrangian f + Σ λ_g ψ̃_g that was differentiated; nil for objective-only steps.
    public var lagrangian: Double?
    /// Largest and summed multiplier after the dual step; nil for objective-only steps.
    public var multiplierMax: Double?
    public var multiplierSum: Double?
    /// Number of constraints measured for the dual step and the largest strict violation among them.
    public var measured: Int?
    public var maxViolation: Double?
  }

  /// One step on a batch. With `mitigate == false` (GMP epochs, SPEC 2.8) every method takes a
  /// plain objective step and neither buffers nor multipliers change.
  @discardableResult
  public func step(inputs: Tensor, targets: Tensor, attributes: Tensor, mitigate: Bool) throws -> StepRecord {
    model.train()
    let logits = try model(inputs)
    let perSample = try Tensor.crossEntropy(logits, targets: targets, reduction: .none)
    let meanLoss = try perSample.mean()
    let objective = try l2Parameters.isEmpty || settings.weightDecay == 0 ? meanLoss : meanLoss + l2Term()
    let record = StepRecord(loss: try meanLoss.item(), count: targets.count)

    guard mitigate, let constraint, let constrainedOptimizer else {
      try primal.zeroGrad()
      try objective.backward()
      try primal.step()
      try afterStep?()
      return record
    }
    let ids = try groups.groupIDs(attributes: attributes)
    let overall = settings.reproduceInPlaceL2Quirk ? objective : meanLoss
    let state = try constraintState(logits: logits, targets: targets, perSample: perSample, meanLoss: overall, groupIDs: ids)
    let out = try constrainedOptimizer.roll(computeState: { ProblemState(loss: objective, observed: [(constraint, state)]) })
    try afterStep?()
    var full = record
    full.lagrangian = try out.primalLagrangian?.item()
    if let lambda = try multipliers() {
      full.multiplierMax = try lambda.max().item()
      full.multiplierSum = try lambda.sum().item()
    }
    let strict = state.strictViolation ?? state.violation
    full.measured = strict.count
    full.maxViolation = strict.count > 0 ? try strict.max().item() : nil
    return full
  }

  /// (wd/2)·Σ‖θ‖² over the L2 scope; pruned weights are stored as zeros and add nothing.
  func l2Term() throws -> Tensor {
    var total = try l2Parameters[0].square().sum()
    for p in l2Parameters.dropFirst() { total = try total + p.square().sum() }
    return try total * (settings.weightDecay / 2)
  }

  func constraintState(logits: Tensor, targets: Tensor, perSample: Tensor, meanLoss: Tensor, groupIDs: Tensor) throws -> ConstraintState {
    let g = groups.numGroups
    let lossStats = try GroupStatistics(values: perSample, groupIDs: groupIDs, numGroups: g)
    let present = try lossStats.presentGroups()
    switch settings.method {
    case .ceag, .ceagNoReplay:
      // ψ̃_g = (L_g − L_d,g) − (L − L_d); gradients flow through L_g and L.
      let proxyAll = try (lossStats.means - dense.groupLoss) - (meanLoss - dense.loss)
      let proxy = try proxyAll.indexSelect(dim: 0, index: present)
      let correct = try Torch.withNoGrad { try logits.argmax(dim: 1).eq(targets) }
      let (groupAcc, overall, valid) = try accuracyEstimates(correct: correct, groupIDs: groupIDs, present: present)
      // c_g = (A_d,g − Â_g) − (A_d − Â) − ε on the valid groups.
      let strictAll = try (dense.groupAccuracy - groupAcc) - (overall * -1 + dense.accuracy) - settings.tolerance
      let strict = try strictAll.indexSelect(dim: 0, index: valid)
      return try ConstraintState(violation: proxy, strictViolation: strict, indices: present, strictIndices: valid)
    case .equalizedLoss, .equalizedLossReplay:
      var proxyAll = try lossStats.means - meanLoss
      if settings.equalizedLossAbsolute { proxyAll = try proxyAll.abs() }
      let proxy = try proxyAll.indexSelect(dim: 0, index: present)
      guard let buffer else { return try ConstraintState(violation: proxy, indices: present) }
      try buffer.push(perSample.detached(), groupIDs: groupIDs)
      let estimate = try buffer.estimate()
      var strictAll = try estimate.means - estimate.overall
      if settings.equalizedLossAbsolute { strictAll = try strictAll.abs() }
      let full = estimate.fullGroups
      return try ConstraintState(violation: proxy, strictViolation: strictAll.indexSelect(dim: 0, index: full),
                                 indices: present, strictIndices: full)
    case .nft:
      throw FairnessError("NFT has no constraints")
    }
  }

  /// Â_g, Â and the valid group set: full replay buffers (SPEC 3) or the groups in the batch.
  func accuracyEstimates(correct: Tensor, groupIDs: Tensor, present: Tensor) throws -> (Tensor, Tensor, Tensor) {
    if let buffer {
      try buffer.push(correct, groupIDs: groupIDs)
      let e = try buffer.estimate()
      return (e.means, e.overall, e.fullGroups)
    }
    let stats = try GroupStatistics(values: correct, groupIDs: groupIDs, numGroups: groups.numGroups)
    return (try stats.means.to(.float32), try correct.to(.float32).mean(), present)
  }

  /// Current multipliers (dense copy), or nil for NFT.
  public func multipliers() throws -> Tensor? { try constraint?.multiplier?.values() }

  /// Everything needed to resume: primal (and dual) optimizer state, multipliers, buffers.
  public func state() throws -> [(name: String, tensor: Tensor)] {
    var out: [(name: String, tensor: Tensor)] = []
    if let constrainedOptimizer {
      out += NamedTensors.prefixed(try constrainedOptimizer.state(), with: "constrained.")
    } else {
      out += NamedTensors.prefixed(try primal.state(), with: "primal.")
    }
    if let buffer { out += NamedTensors.prefixed(try buffer.state(), with: "buffer.") }
    return out
  }

  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws {
    if let constrainedOptimizer {
      try constrainedOptimizer.loadState(NamedTensors.entries(state, under: "constrained."))
    } else {
      try primal.loadState(NamedTensors.entries(state, under: "primal."))
    }
    if let buffer { try buffer.loadState(NamedTensors.entries(state, under: "buffer.")) }
  }
}
