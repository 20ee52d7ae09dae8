import NN
import Optim
import Torch

/// Wraps a primal optimizer so that every step keeps pruned weights at exactly zero:
/// gradients are masked before the inner step and weights (and, after a mask change, the
/// optimizer state) after it. Hand it to code that calls `step()` itself, such as the
/// `Constrained` optimizers, instead of the bare optimizer.
public final class MaskedOptimizer: Optimizer {
  public let inner: any Optimizer
  public let masks: SparsityMasks

  public init(_ inner: any Optimizer, masks: SparsityMasks) {
    self.inner = inner
    self.masks = masks
    masks.optimizer = inner
  }

  public var parameters: [Tensor] { inner.parameters }
  public var learningRate: Double {
    get { inner.learningRate }
    set { inner.learningRate = newValue }
  }

  public func step() throws {
    try masks.maskGradients()
    try inner.step()
    try masks.applyMasks()
  }

  public func state() throws -> [(name: String, tensor: Tensor)] { try inner.state() }
  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws { try inner.loadState(state) }
  public func maskState(ofParameterAt index: Int, by mask: Tensor) throws { try inner.maskState(ofParameterAt: index, by: mask) }
}
