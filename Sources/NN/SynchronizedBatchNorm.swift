import Torch

extension BatchNorm2d {
  /// Training-mode BatchNorm over the global batch of `group`'s ranks: one all-reduce (through
  /// the differentiable one, so gradients reach every rank's samples; its backward is the
  /// second) of each channel's sum and sum of squares and of the count, in float64. The values
  /// are shifted by the running mean first, which is the same on every rank (runs start from
  /// one model and keep it identical), so E[(x−K)²] − E[x−K]² does not cancel when |mean| ≫ std.
  /// Running statistics follow PyTorch (unbiased variance) and stay identical on every rank.
  func synchronizedForward(_ x: Tensor, group: ProcessGroup) throws -> Tensor {
    guard x.rank == 4 else { throw TorchError("BatchNorm2d: expected a 4-d input [N, C, H, W], got shape \(x.shape)") }
    let channels = x.size(1), perChannel = [1, channels, 1, 1], dims = [0, 2, 3]
    let shift = try runningMean.detached().to(x.dtype).clone()  // a copy: the running mean changes below
    let shifted = try x - shift.reshaped(perChannel)
    let count = try Tensor([Double(x.count / max(channels, 1))])
    let local = try Tensor.cat([shifted.sum(dims: dims).to(.float64), shifted.square().sum(dims: dims).to(.float64), count])
    let total = try group.allReducedSum(local)
    let n = try total.slice(dim: 0, start: 2 * channels, end: 2 * channels + 1).item()
    guard n > 1 else {
      throw TorchError("BatchNorm2d: expected more than 1 value per channel when training over all ranks, got input shape \(x.shape) on rank \(group.rank)")
    }
    let meanShifted = try total.slice(dim: 0, start: 0, end: channels) / n
    let variance = try (total.slice(dim: 0, start: channels, end: 2 * channels) / n - meanShifted.square()).clamp(min: 0).to(x.dtype)
    let mean = try meanShifted.to(x.dtype) + shift
    try Torch.withNoGrad {
      try numBatchesTracked.add_(1)
      try runningMean.mul_(1 - momentum)
      try runningMean.add_(mean.detached(), alpha: momentum)
      try runningVar.mul_(1 - momentum)
      try runningVar.add_(variance.detached() * (n / (n - 1)), alpha: momentum)
    }
    let scale = try (variance + eps).rsqrt() * weight
    return try (x - mean.reshaped(perChannel)) * scale.reshaped(perChannel) + bias.reshaped(perChannel)
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
