import Torch

extension BatchNorm2d {
  /// Training-mode BatchNorm over the global batch of `group`'s ranks: the per-channel mean and
  /// then the variance of the centred values are sums over the ranks (two passes, as stable as
  /// PyTorch's single-process kernel), through the differentiable all-reduce, so gradients flow
  /// to every rank's samples. Running statistics follow PyTorch (unbiased variance), identical
  /// on every rank.
  func synchronizedForward(_ x: Tensor, group: ProcessGroup) throws -> Tensor {
    guard x.rank == 4 else { throw TorchError("BatchNorm2d: expected a 4-d input [N, C, H, W], got shape \(x.shape)") }
    let channels = x.size(1), perChannel = [1, channels, 1, 1], dims = [0, 2, 3]
    let counts = try Tensor([Int64(x.count / max(channels, 1))])
    try group.allReduceSum([counts])
    let n = Double(try counts.toArray(Int64.self)[0])
    guard n > 1 else {
      throw TorchError("BatchNorm2d: expected more than 1 value per channel when training over all ranks, got input shape \(x.shape) on rank \(group.rank)")
    }
    let mean = try group.allReducedSum(x.sum(dims: dims)) / n
    let centred = try x - mean.reshaped(perChannel)
    let variance = try group.allReducedSum(centred.square().sum(dims: dims)) / n
    try Torch.withNoGrad {
      try numBatchesTracked.add_(1)
      try runningMean.mul_(1 - momentum)
      try runningMean.add_(mean.detached(), alpha: momentum)
      try runningVar.mul_(1 - momentum)
      try runningVar.add_(variance.detached() * (n / (n - 1)), alpha: momentum)
    }
    let scale = try (variance + eps).rsqrt() * weight
    return try centred * scale.reshaped(perChannel) + bias.reshaped(perChannel)
  }
}

extension Module {
  /// Makes every BatchNorm2d of the model normalize over `group`'s global batch in training
  /// mode (nil: each rank's own batch again). Every rank must then run the same forward and
  /// backward passes in the same order, as data-parallel training does.
  public func synchronizeBatchNorm(over group: ProcessGroup?) {
    for entry in namedModules() { (entry.module as? BatchNorm2d)?.synchronization = group }
  }
}
