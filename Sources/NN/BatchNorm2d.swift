import Torch

/// torch.nn.BatchNorm2d with affine weights and running statistics (momentum 0.1, eps 1e-5).
public final class BatchNorm2d: Module {
  public let weight: Tensor
  public let bias: Tensor
  public let runningMean: Tensor
  public let runningVar: Tensor
  /// Counts training batches, as PyTorch does (saved in the state dict).
  public let numBatchesTracked: Tensor
  /// Weight of a batch's statistics in the running ones; `BatchNormRecalibration` changes it
  /// per batch to get a cumulative average (PyTorch's `momentum=None`).
  public var momentum: Double
  public let eps: Double
  public var isTraining = true
  /// Ranks whose training batches together make the statistics (PyTorch's SyncBatchNorm): in
  /// training mode the mean and variance are those of the global batch, so a data-parallel run
  /// normalizes as one process on the whole batch would. nil (the default, PyTorch DDP's): each
  /// rank normalizes with its own part of the batch.
  public var synchronization: ProcessGroup?
  /// Set by `BatchNormFolding` on an inference copy: the preceding convolution already applies
  /// this normalization, so evaluation passes the input through.
  public internal(set) var isFolded = false

  public init(_ numFeatures: Int, momentum: Double = 0.1, eps: Double = 1e-5) throws {
    weight = try Tensor.ones([numFeatures]).requiringGrad()
    bias = try Tensor.zeros([numFeatures]).requiringGrad()
    runningMean = try Tensor.zeros([numFeatures])
    runningVar = try Tensor.ones([numFeatures])
    numBatchesTracked = try Tensor.zeros([], dtype: .int64)
    self.momentum = momentum
    self.eps = eps
  }

  public var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }
  public var ownBuffers: [(name: String, tensor: Tensor)] {
    [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    if isFolded {
      guard !isTraining else { throw TorchError("BatchNorm2d: a folded BatchNorm (an inference copy) cannot train") }
      return x
    }
    if isTraining, let group = synchronization, group.worldSize > 1 { return try synchronizedForward(x, group: group) }
    if isTraining { try Torch.withNoGrad { try numBatchesTracked.add_(1) } }
    return try Tensor.batchNorm(x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                                training: isTraining, momentum: momentum, eps: eps)
  }
}
