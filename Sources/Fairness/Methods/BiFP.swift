import NN
import Optim
import Sparsity
import Torch

/// Bi-level fair pruning (Dai et al. 2023; SPEC-BASELINES A), first order: every prunable weight
/// has a latent value θ, and every weight (unstructured) or every output unit, a filter or row
/// (`structured`), a score s; the forward runs on θ ⊙ TopK(|s|) with a
/// hard mask and straight-through gradients to s (edge-popup). Each step takes a weight step (scores
/// frozen), then a score step (weights frozen) on CE + λ·F, where F is the largest gap between the
/// groups' smooth accuracies mean σ(margin / T) in the batch (for two groups, |F_A| of A.3 with
/// u = sigmoid; with K groups the largest pairwise gap). With `implicitGradientScale` γ⁻¹ > 0 the
/// score gradient gets BiP's implicit term g ← g − γ⁻¹ g². The model's weights hold θ ⊙ mask and
/// its `weight_mask` buffers the mask after every step, so evaluation, checkpoints and export see
/// the pruned model; θ and s are the method's state.
public final class BiFP: FineTuningMethod {
  public let model: any Module
  public let layers: [PrunableLayer]
  public let groups: GroupSpec
  /// λ, the weight of the fairness term (applied on mitigating steps).
  public let lambda: Double
  /// T of σ(margin / T).
  public let temperature: Double
  public let implicitGradientScale: Double
  /// The optimizer of the other parameters (biases, BatchNorm); its learning rate is the run's.
  let primal: any Optimizer
  let latent: [Tensor]
  let scores: [Tensor]
  let latentOptimizer: SGD
  let scoreOptimizer: SGD
  /// Fraction of each layer's weights pruned now.
  public private(set) var sparsity = 0.0
  /// From this epoch on the mask is fixed and only the weights train (the final fine-tune).
  public let freezeMaskFromEpoch: Int?
  /// One score per output unit (filter masks) instead of one per weight.
  public let structured: Bool
  /// The run's masks, refreshed after each structured mask change so that the BatchNorm of a
  /// dead filter is masked too (a dead channel then outputs exactly 0).
  let sparsityMasks: SparsityMasks?
  var maskFrozen = false

  public init(model: any Module, layers: [PrunableLayer], primal: any Optimizer, groups: GroupSpec, lambda: Double,
              scoreLearningRate: Double, temperature: Double = 1, implicitGradientScale: Double = 0, momentum: Double = 0.9,
              weightDecay: Double = 0, freezeMaskFromEpoch: Int? = nil, structured: Bool = false,
              sparsityMasks: SparsityMasks? = nil) throws {
    guard !layers.isEmpty else { throw FairnessError("BiFP: the model has no prunable layer") }
    guard lambda >= 0, temperature > 0, scoreLearningRate > 0, implicitGradientScale >= 0 else {
      throw FairnessError("BiFP: lambda (\(lambda)) and the implicit-gradient scale (\(implicitGradientScale)) must be >= 0, "
                          + "temperature (\(temperature)) and score learning rate (\(scoreLearningRate)) > 0")
    }
    self.model = model
    self.layers = layers
    self.primal = primal
    self.groups = groups
    self.lambda = lambda
    self.temperature = temperature
    self.implicitGradientScale = implicitGradientScale
    self.freezeMaskFromEpoch = freezeMaskFromEpoch
    self.structured = structured
    self.sparsityMasks = sparsityMasks
    // θ starts from the dense weights and s from |θ|: the first mask is the magnitude mask.
    latent = try layers.map { try $0.weight.detached().clone().requiringGrad() }
    scores = try layers.map { layer in
      let w = try layer.weight.detached()
      // Structured: each unit's score starts at the L2 norm of its weights.
      return try (structured ? w.reshaped([w.size(0), -1]).norm(dims: [1]) : w.abs().clone()).requiringGrad()
    }
    latentOptimizer = try SGD(parameters: latent, learningRate: primal.learningRate, momentum: momentum, weightDecay: weightDecay)
    scoreOptimizer = try SGD(parameters: scores, learningRate: scoreLearningRate, momentum: momentum)
  }

  public func beginEpoch(_ epoch: Int, targetSparsity: Double) throws {
    sparsity = targetSparsity
    maskFrozen = freezeMaskFromEpoch.map { epoch >= $0 } ?? false
    try materialize()
  }

  /// The hard masks, shaped like the weights: in every layer the entries (or, structured, the
  /// units) of largest |s|, all but ceil(sparsity · n).
  public func masks() throws -> [Tensor] {
    try Torch.withNoGrad {
      try zip(scores, layers).map { s, layer in
        let n = s.count, pruned = min(n, Int((sparsity * Double(n)).rounded(.up)))
        let keep = try Tensor.zeros([n], dtype: .bool, device: s.device)
        if n - pruned > 0 {
          let top = try s.abs().reshaped([-1]).topk(n - pruned, largest: true, sorted: false).indices
          try keep.indexPut_(index: top, values: Tensor.ones([], dtype: .bool, device: s.device))
        }
        return try expanded(keep, like: layer.weight)
      }
    }
  }

  /// A score-shaped tensor broadcast to the weight's shape (unstructured: the same shape).
  func expanded(_ t: Tensor, like weight: Tensor) throws -> Tensor {
    guard structured else { return try t.reshaped(weight.shape) }
    return try t.reshaped([weight.size(0)] + [Int](repeating: 1, count: weight.rank - 1)).expanded(weight.shape)
  }

  @discardableResult
  public func step(inputs: Tensor, targets: Tensor, attributes: Tensor, mitigate: Bool) throws -> StepRecord {
    let ids = try groups.groupIDs(attributes: attributes)
    let hard = try masks().enumerated().map { try $1.to(latent[$0].dtype) }
    // Weight step: the forward on θ ⊙ m, scores frozen.
    for (l, layer) in layers.enumerated() { layer.layer.effectiveWeight = try latent[l] * hard[l] }
    let (loss, record) = try objective(inputs: inputs, targets: targets, groupIDs: ids, mitigate: mitigate)
    latentOptimizer.learningRate = primal.learningRate
    try primal.zeroGrad()
    try latentOptimizer.zeroGrad()
    try loss.backward()
    try primal.step()
    try latentOptimizer.step()
    guard !maskFrozen else {
      try materialize()
      return record
    }
    // Score step: the forward on θ ⊙ (m + |s| − |s|ᵀ), the straight-through mask, weights frozen.
    for (l, layer) in layers.enumerated() {
      let a = try expanded(scores[l].abs(), like: layer.weight)
      layer.layer.effectiveWeight = try latent[l].detached() * (hard[l] + a - a.detached())
    }
    let (scoreLoss, _) = try objective(inputs: inputs, targets: targets, groupIDs: ids, mitigate: mitigate)
    try scoreOptimizer.zeroGrad()
    try scoreLoss.backward()
    if implicitGradientScale > 0 {
      try Torch.withNoGrad {
        for s in scores { if let g = s.grad { try g.sub_(g.square() * implicitGradientScale) } }
      }
    }
    try scoreOptimizer.step()
    try materialize()
    return record
  }

  /// CE + λ·F on the batch (F only when mitigating), with the step record.
  func objective(inputs: Tensor, targets: Tensor, groupIDs: Tensor, mitigate: Bool) throws -> (Tensor, StepRecord) {
    let logits = try model(inputs)
    let ce = try Tensor.crossEntropy(logits, targets: targets)
    var record = StepRecord(loss: try ce.item(), count: targets.count)
    guard mitigate, lambda > 0 else { return (ce, record) }
    let gap = try accuracyGap(logits: logits, targets: targets, groupIDs: groupIDs)
    let total = try ce + gap * lambda
    record.lagrangian = try total.item()
    record.maxViolation = try gap.item()
    return (total, record)
  }

  /// max_g − min_g of the groups' mean σ(margin / T) over the groups in the batch (0 with fewer than two).
  func accuracyGap(logits: Tensor, targets: Tensor, groupIDs: Tensor) throws -> Tensor {
    let smooth = try (trueClassMargin(logits, targets: targets) / temperature).sigmoid()
    let stats = try GroupStatistics(values: smooth, groupIDs: groupIDs, numGroups: groups.numGroups)
    let present = try stats.presentGroups()
    guard present.count >= 2 else { return try Tensor.zeros([], dtype: logits.dtype, device: logits.device) }
    let means = try stats.means.indexSelect(dim: 0, index: present)
    return try means.max() - means.min()
  }

  /// The model's weights := θ ⊙ m and its masks := m; forward back on the stored weights.
  func materialize() throws {
    let hard = try masks()
    try Torch.withNoGrad {
      for (l, layer) in layers.enumerated() {
        layer.layer.effectiveWeight = nil
        try layer.weight.copy_(latent[l].detached() * hard[l].to(latent[l].dtype))
        if let mask = layer.layer.weightMask { try mask.copy_(hard[l]) } else { layer.layer.weightMask = try hard[l].contiguous() }
      }
    }
    if structured { try sparsityMasks?.refresh() }
  }

  public func multipliers() throws -> Tensor? { nil }

  public func state() throws -> [(name: String, tensor: Tensor)] {
    var out = NamedTensors.prefixed(try primal.state(), with: "primal.")
    out += NamedTensors.prefixed(try latentOptimizer.state(), with: "latent_optimizer.")
    out += NamedTensors.prefixed(try scoreOptimizer.state(), with: "score_optimizer.")
    for (l, layer) in layers.enumerated() {
      out += [("latent.\(layer.name)", latent[l]), ("scores.\(layer.name)", scores[l])]
    }
    return out
  }

  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws {
    try primal.loadState(NamedTensors.entries(state, under: "primal."))
    try latentOptimizer.loadState(NamedTensors.entries(state, under: "latent_optimizer."))
    try scoreOptimizer.loadState(NamedTensors.entries(state, under: "score_optimizer."))
    let byName = Dictionary(state.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    try Torch.withNoGrad {
      for (l, layer) in layers.enumerated() {
        guard let t = byName["latent.\(layer.name)"], let s = byName["scores.\(layer.name)"] else {
          throw FairnessError("BiFP: the checkpoint lacks the latent weights or scores of \(layer.name)")
        }
        try latent[l].copy_(t)
        try scores[l].copy_(s)
      }
    }
  }
}

/// The pruner of methods that choose their own masks: keeps each layer's current mask.
public struct CurrentMasksPruner: Pruner {
  public init() {}
  public func masks(for layers: [PrunableLayer], sparsity: Double) throws -> [Tensor] {
    try layers.map { try $0.layer.weightMask ?? Tensor.ones($0.weight.shape, dtype: .bool, device: $0.weight.device) }
  }
}
