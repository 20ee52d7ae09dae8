import NN
import Optim
import Torch

/// The masks of a model's prunable layers, and the two calls that keep pruned weights at
/// exactly zero during training without a masked forward pass (SPEC 2.9, last paragraphs).
///
/// Pruned entries are stored as zeros and the forward runs on the plain weights, so it costs
/// what a dense forward costs. After each backward `maskGradients()` zeroes the gradients of
/// pruned entries; after each optimizer step `applyMasks()` zeroes the weights again. With
/// masked gradients and zero weights, weight decay (`wd · w`) and momentum see zeros at the
/// pruned entries, so the trajectory of the live entries is that of the masked-forward scheme.
/// When masks change (pruning, `setMask`, `refresh`) the next `applyMasks()` also zeroes the
/// tracked optimizer's state (momentum buffer, Adam moments) at the newly pruned entries,
/// which from then on stays zero on its own.
///
/// ```swift
/// let masks = try SparsityMasks(model: model)                    // all-ones masks, first conv and last linear dense
/// let opt = try SGD(parameters: model.parameters(), learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4)
/// masks.optimizer = opt
/// for epoch in 0..<epochs {
///   _ = try masks.prune(epoch: epoch, schedule: gmp, using: LayerwiseMagnitudePruner())
///   for batch in batches {
///     try opt.zeroGrad()
///     try loss(model, batch).backward()
///     try masks.maskGradients()
///     try opt.step()
///     try masks.applyMasks()
///   }
/// }
/// ```
///
/// Dead units: a unit (output channel or row) whose weights are all pruned outputs its bias,
/// and, after a BatchNorm, that BatchNorm's bias. With `maskFollowingBatchNorm` (default) the
/// weight and bias of a BatchNorm2d that directly follows a masked Conv2d (next leaf module in
/// registration order, same channel count) are masked for dead channels, so a dead channel
/// outputs exactly 0 in training and evaluation mode: the effect of SPEC 4.4's masked
/// BatchNorm (an inactive channel stays 0). As there, a dead channel's running statistics are
/// frozen at their values when it died: `applyMasks()` restores them after every step, so the
/// all-zero input of a dead channel never pollutes them. With `maskBiasOfDeadUnits` the masked
/// layer's own bias is masked too
/// (a removed unit then contributes nothing, as compaction would assume); off by default
/// because the reference code never prunes biases.
///
/// Masks are `weight_mask` buffers of the layers, so they are saved in the state dict; a model
/// must have them installed (`SparsityMasks(model:)` or `installEmptyMasks(on:)`) before
/// `loadStateDict` of a sparse checkpoint, and `refresh()` must follow the load.
public final class SparsityMasks {
  /// The masked layers, in registration order.
  public let layers: [PrunableLayer]
  public let maskFollowingBatchNorm: Bool
  public let maskBiasOfDeadUnits: Bool

  /// The optimizer whose per-parameter state is masked when masks change; parameters are
  /// matched by identity (or by shared storage) with `optimizer.parameters`.
  public var optimizer: (any Optimizer)? {
    didSet { optimizerIndex = nil; optimizerStateIsStale = true }
  }

  /// BatchNorm2d directly following each layer (same index as `layers`), if any.
  private let followers: [BatchNorm2d?]
  /// Masks of tensors other than the weights: BatchNorm scale/shift and biases of dead units.
  private var unitEntries: [(parameter: Tensor, mask: Tensor)] = []
  /// Per BatchNorm with dead channels: a float mask of live channels and the frozen statistics
  /// of the dead ones (zero at live channels), restored by `applyMasks()`.
  private var frozenStatistics: [(bn: BatchNorm2d, alive: Tensor, mean: Tensor, variance: Tensor)] = []
  private var optimizerIndex: [ObjectIdentifier: Int]?
  private var optimizerStateIsStale = true

  /// Installs all-ones masks on the prunable layers of `model` that have none (a layer that
  /// already has one keeps it), then applies the masks (`refresh()`).
  ///
  /// Throws `SparsityError` for a bad `scope` or an existing mask of the wrong shape or dtype.
  public init(model: any Module, scope: PruningScope = .default, optimizer: (any Optimizer)? = nil,
              maskFollowingBatchNorm: Bool = true, maskBiasOfDeadUnits: Bool = false) throws {
    layers = try SparsityMasks.installEmptyMasks(on: model, scope: scope)
    self.maskFollowingBatchNorm = maskFollowingBatchNorm
    self.maskBiasOfDeadUnits = maskBiasOfDeadUnits
    self.optimizer = optimizer
    let leaves = model.namedModules().map(\.module).filter { $0.children.isEmpty }
    followers = layers.map { entry in
      guard let conv = entry.layer as? Conv2d, let i = leaves.firstIndex(where: { $0 === conv }),
            i + 1 < leaves.count, let bn = leaves[i + 1] as? BatchNorm2d, bn.weight.count == conv.outChannels
      else { return nil }
      return bn
    }
    try refresh()
  }

  /// Gives every layer `scope` selects an all-ones bool `weight_mask` unless it has a mask,
  /// so that `loadStateDict` can load a sparse checkpoint into `model`. Returns the layers.
  @discardableResult
  public static func installEmptyMasks(on model: any Module, scope: PruningScope = .default) throws -> [PrunableLayer] {
    let layers = try prunableLayers(of: model, scope: scope)
    for entry in layers {
      if let mask = entry.layer.weightMask {
        guard mask.shape == entry.weight.shape, mask.dtype == .bool else {
          throw SparsityError("layer '\(entry.name)': existing weight_mask is \(mask.dtype) \(mask.shape), weight is \(entry.weight.shape)")
        }
      } else {
        entry.layer.weightMask = try Tensor.ones(entry.weight.shape, dtype: .bool, device: entry.weight.device)
      }
    }
    return layers
  }

  /// Layer names, in order.
  public var layerNames: [String] { layers.map(\.name) }

  /// The mask of the layer called `name` (the live buffer, not a copy).
  public func mask(forLayer name: String) throws -> Tensor {
    try mask(of: layer(named: name))
  }

  /// Replaces the mask of layer `name` by `mask` (any dtype; non-zero means kept) and applies it.
  public func setMask(_ mask: Tensor, forLayer name: String) throws {
    let entry = try layer(named: name)
    guard mask.shape == entry.weight.shape else {
      throw SparsityError("setMask: mask for '\(name)' has shape \(mask.shape), weight has \(entry.weight.shape)")
    }
    try Torch.withNoGrad { try self.mask(of: entry).copy_(mask.dtype == .bool ? mask : mask.ne(0)) }
    try refresh()
  }

  /// Prunes every layer to `sparsity` with `pruner` (masks only grow), zeroes the newly pruned
  /// weights and the optimizer state at them. Throws for a sparsity outside [0, 1].
  public func prune(to sparsity: Double, using pruner: any Pruner) throws {
    try validateSparsity(sparsity)
    let newMasks = try pruner.masks(for: layers, sparsity: sparsity)
    guard newMasks.count == layers.count else {
      throw SparsityError("\(type(of: pruner)) returned \(newMasks.count) masks for \(layers.count) layers")
    }
    for (entry, new) in zip(layers, newMasks) where new.shape != entry.weight.shape {
      throw SparsityError("\(type(of: pruner)) returned a mask of shape \(new.shape) for '\(entry.name)' of shape \(entry.weight.shape)")
    }
    try Torch.withNoGrad {
      for (entry, new) in zip(layers, newMasks) { try mask(of: entry).copy_(new) }
    }
    try refresh()
  }

  /// At the start of `epoch`, prunes to `schedule.sparsity(atEpoch:)` when
  /// `schedule.shouldPrune(epoch:)`; returns the sparsity pruned to, or nil.
  @discardableResult
  public func prune(epoch: Int, schedule: any SparsitySchedule, using pruner: any Pruner) throws -> Double? {
    guard schedule.shouldPrune(epoch: epoch) else { return nil }
    let s = schedule.sparsity(atEpoch: epoch)
    try prune(to: s, using: pruner)
    return s
  }

  /// Zeroes the gradients of pruned entries (and of dead units' BatchNorm scale/shift); call it
  /// after `backward()` and before the optimizer step.
  public func maskGradients() throws {
    try Torch.withNoGrad {
      for (parameter, mask) in try entries() {
        if let g = parameter.grad { try g.mul_(mask) }
      }
    }
  }

  /// Zeroes the pruned weights (and dead units' BatchNorm scale/shift); call it after the
  /// optimizer step. The first call after the masks changed also masks the optimizer state.
  public func applyMasks() throws {
    let entries = try entries()
    try Torch.withNoGrad {
      for (parameter, mask) in entries { try parameter.mul_(mask) }
      for f in frozenStatistics {
        try f.bn.runningMean.mul_(f.alive)
        try f.bn.runningMean.add_(f.mean)
        try f.bn.runningVar.mul_(f.alive)
        try f.bn.runningVar.add_(f.variance)
      }
    }
    if optimizerStateIsStale, let optimizer {
      let index = optimizerIndex ?? indexParameters(of: optimizer)
      optimizerIndex = index
      for (parameter, mask) in entries {
        if let i = index[ObjectIdentifier(parameter)] ?? optimizer.parameters.firstIndex(where: { sameStorage($0, parameter) }) {
          try optimizer.maskState(ofParameterAt: i, by: mask)
        }
      }
      optimizerStateIsStale = false
    }
  }

  /// Re-reads the layers' masks after they changed outside this object (a `loadStateDict` of a
  /// sparse checkpoint), recomputes dead units, and applies the masks to the weights and,
  /// when one is tracked, the optimizer state.
  public func refresh() throws {
    var extra: [(parameter: Tensor, mask: Tensor)] = []
    var frozen: [(bn: BatchNorm2d, alive: Tensor, mean: Tensor, variance: Tensor)] = []
    if maskFollowingBatchNorm || maskBiasOfDeadUnits {
      for (entry, follower) in zip(layers, followers) {
        let bias = maskBiasOfDeadUnits ? entry.bias : nil
        let bn = maskFollowingBatchNorm ? follower : nil
        guard bias != nil || bn != nil else { continue }
        let alive = try aliveUnits(of: entry)
        guard try alive.logicalNot().sum().itemInt() > 0 else { continue }
        if let bias { extra.append((bias, alive)) }
        if let bn {
          extra += [(bn.weight, alive), (bn.bias, alive)]
          // Channels already dead keep their frozen values (the buffers hold them); new ones freeze now.
          let live = try alive.to(bn.runningMean.dtype), dead = try alive.logicalNot().to(bn.runningMean.dtype)
          frozen.append((bn, live, try bn.runningMean.detached() * dead, try bn.runningVar.detached() * dead))
        }
      }
    }
    unitEntries = extra
    frozenStatistics = frozen
    optimizerStateIsStale = true
    try applyMasks()
  }

  /// Bool tensor `[units]`: whether each output unit of `entry` keeps at least one weight.
  public func aliveUnits(ofLayer name: String) throws -> Tensor { try aliveUnits(of: layer(named: name)) }

  /// Per-layer and total sparsity of the masked layers.
  public func report() throws -> SparsityReport { try SparsityReport(layers: layers) }

  // MARK: private

  private func layer(named name: String) throws -> PrunableLayer {
    guard let entry = layers.first(where: { $0.name == name }) else {
      throw SparsityError("unknown masked layer '\(name)' (masked layers: \(layerNames.joined(separator: ", ")))")
    }
    return entry
  }

  private func mask(of entry: PrunableLayer) throws -> Tensor {
    guard let mask = entry.layer.weightMask else {
      throw SparsityError("layer '\(entry.name)' lost its weight_mask (set to nil outside SparsityMasks)")
    }
    return mask
  }

  private func aliveUnits(of entry: PrunableLayer) throws -> Tensor {
    try mask(of: entry).reshaped([entry.unitCount, -1]).sum(dim: 1).gt(0)
  }

  private func entries() throws -> [(parameter: Tensor, mask: Tensor)] {
    try layers.map { ($0.weight, try mask(of: $0)) } + unitEntries
  }

  private func indexParameters(of optimizer: any Optimizer) -> [ObjectIdentifier: Int] {
    var index: [ObjectIdentifier: Int] = [:]
    for (i, p) in optimizer.parameters.enumerated() { index[ObjectIdentifier(p)] = i }
    return index
  }

  private func sameStorage(_ a: Tensor, _ b: Tensor) -> Bool {
    a.shape == b.shape && ((try? a.sharesData(with: b)) ?? false)
  }
}
