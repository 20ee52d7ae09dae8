import Torch

/// An optimizer that adds work around another one's `step()` (masking, gradient averaging) and
/// forwards everything else to it, so wrappers stack: `MaskedOptimizer(DataParallelOptimizer(sgd))`.
public protocol OptimizerWrapper: Optimizer {
  var inner: any Optimizer { get }
}

extension OptimizerWrapper {
  public var parameters: [Tensor] { inner.parameters }
  public var learningRate: Double {
    get { inner.learningRate }
    set { inner.learningRate = newValue }
  }
  public func state() throws -> [(name: String, tensor: Tensor)] { try inner.state() }
  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws { try inner.loadState(state) }
  public func maskState(ofParameterAt index: Int, by mask: Tensor) throws { try inner.maskState(ofParameterAt: index, by: mask) }
}
