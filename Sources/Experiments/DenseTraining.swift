import Datasets
import Fairness
import NN
import Optim
import Torch

/// The optimizer of dense training.
public enum DenseOptimizerKind: String, Codable, CaseIterable, Sendable {
  /// SGD with momentum; weight decay coupled (PyTorch's SGD).
  case sgd
  /// Adam with coupled L2 weight decay, as the UTKFace dense models of SPEC 7.3 were trained.
  case adam
}

/// Hyper-parameters of dense (ERM) training.
public struct DenseTrainingConfig: Codable, Sendable, Equatable {
  public var optimizer: DenseOptimizerKind = .sgd
  public var epochs = 15
  public var batchSize = 128
  public var learningRate = 0.05
  public var momentum = 0.9
  public var weightDecay = 5e-4
  /// LR ×0.1 at these fractions of the epochs.
  public var milestones: [Double] = [0.6, 0.8]
  public var threads = 2
  public var seed: UInt64 = 0
  /// Hidden widths of an MLP.
  public var mlpHidden = ModelKind.defaultMLPHidden
  /// Data-parallel runs: BatchNorm statistics of the global batch (see `RunConfig.syncBatchNorm`).
  public var syncBatchNorm = false
  /// Where the new model is trained (see `RunConfig.device`).
  public var device: Device = .cpu
  public init() {}
}

public enum DenseTrainer {
  /// A new `kind` model for `data`, initialised from `config.seed` (seeded before the first weight
  /// is drawn, so two runs with the same seed and threads write identical files) and trained on
  /// `data.train`.
  /// `processGroup`: the ranks of a data-parallel run (see `train`).
  public static func trainNew(_ kind: ModelKind, on data: GroupedDataset, config: DenseTrainingConfig,
                              processGroup: ProcessGroup? = nil, progress: ProgressReporter = ProgressReporter()) throws -> any Module {
    Torch.threadCount = config.threads
    Torch.manualSeed(config.seed)
    let model = try kind.make(for: data, mlpHidden: config.mlpHidden)
    try checkDevice(config.device, group: processGroup.parallel)
    try model.to(device: config.device)
    try train(model, on: data.train, config: config, processGroup: processGroup, progress: progress)
    return model
  }

  /// Trains `model`, on its device, with SGD + momentum and a multi-step schedule; returns per-epoch train loss.
  /// With a `processGroup` of several ranks, each rank trains on its part of every global batch
  /// from rank 0's initial weights, and gradients are averaged, so all ranks end with the same
  /// model (BatchNorm statistics: rank 0's, as PyTorch DDP's); every rank must pass the same data.
  @discardableResult
  public static func train(_ model: any Module, on split: GroupedSplit, config: DenseTrainingConfig,
                           processGroup: ProcessGroup? = nil, progress: ProgressReporter = ProgressReporter()) throws -> [Double] {
    Torch.threadCount = config.threads
    let group = processGroup.parallel
    let device = model.device
    try checkDevice(device, group: group)
    if let group {
      try group.checkEveryRankHasSamples(count: split.count, batchSize: config.batchSize)
      try group.checkSameInputs(config, threads: \.threads, data: String(try split.fingerprint()))
      // Every rank starts from rank 0's weights, as PyTorch DDP does when it wraps a model.
      try group.broadcast(model.stateDict().map(\.tensor))
    }
    if config.syncBatchNorm { model.synchronizeBatchNorm(over: group) }
    defer { if config.syncBatchNorm { model.synchronizeBatchNorm(over: nil) } }
    let inner: any Optimizer
    switch config.optimizer {
    case .sgd:
      inner = try SGD(parameters: model.parameters(), learningRate: config.learningRate, momentum: config.momentum,
                      weightDecay: config.weightDecay)
    case .adam:
      inner = try Adam(parameters: model.parameters(), learningRate: config.learningRate, weightDecay: config.weightDecay)
    }
    let opt: any Optimizer = group.map { DataParallelOptimizer(inner, group: $0) } ?? inner
    let schedule = MultiStepSchedule(baseRate: config.learningRate, milestoneFractions: config.milestones,
                                     totalEpochs: config.epochs)
    // One seeded loader: epoch e's order and flips follow from (seed, e), not from libtorch's generator.
    let loader = try DataLoader(split, batchSize: config.batchSize, shuffle: true, seed: config.seed, prefetch: split.prefetchDepth,
                                shard: processGroup.loaderShard, pinMemory: device != .cpu)
    model.train()
    progress.begin()
    var losses: [Double] = []
    for epoch in 0..<config.epochs {
      opt.learningRate = schedule.learningRate(epoch: epoch)
      let batches = loader.batches(epoch: epoch)
      var total = 0.0
      var i = 0
      while let next = try batches.next() {
        defer { i += 1 }
        let b = try next.to(device: device)
        try opt.zeroGrad()
        let shard = try BatchShard(localCount: b.targets.count, group: group)
        let logits = try model(b.inputs)
        let loss = try group == nil ? Tensor.crossEntropy(logits, targets: b.targets)
          : shard.mean(Tensor.crossEntropy(logits, targets: b.targets, reduction: .none))
        try loss.backward()
        try opt.step()
        total += try loss.item() * Double(shard.globalCount)
        progress.batch(phase: "dense", epoch: epoch, epochs: config.epochs, batch: i + 1, batches: batches.batchCount)
      }
      if let group { try group.broadcast(model.namedBuffers().map(\.tensor)) }
      losses.append(total / Double(split.count))
      progress.epochLine("dense epoch \(epoch + 1)/\(config.epochs): loss \(String(format: "%.4f", losses.last!))",
                         done: epoch + 1, total: config.epochs)
    }
    return losses
  }
}
