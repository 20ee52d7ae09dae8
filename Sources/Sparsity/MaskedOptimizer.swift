import NN
import Optim
import Torch

/// Wraps a primal optimizer so that every step keeps pruned weights at exactly zero:
/// gradients are masked before the inner step and weights (and, after a mask change, the
/// optimizer state) after it. Hand it to code that calls `step()` itself, such as the
/// `Constrained` optimizers, instead of the bare optimizer.
public final class MaskedOptimizer: OptimizerWrapper {
  public let inner: any Optimizer
  public let masks: SparsityMasks

  public init(_ inner: any Optimizer, masks: SparsityMasks) {
    self.inner = inner
    self.masks = masks
    masks.optimizer = inner
  }

  public func step() throws {
    try masks.maskGradients()
    try inner.step()
    try masks.applyMasks()
  }
}
