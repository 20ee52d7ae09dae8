import Torch

/// Wraps an optimizer for data parallelism: each step first replaces every gradient by its mean
/// over the ranks (one bucketed all-reduce, `ProcessGroup.averageGradients`), so that ranks that
/// start from the same weights take the same step and stay bitwise identical. Losses built with
/// `BatchShard` make that mean the global batch's gradient.
public final class DataParallelOptimizer: Optimizer {
  public let inner: any Optimizer
  public let group: ProcessGroup

  public init(_ inner: any Optimizer, group: ProcessGroup) {
    self.inner = inner
    self.group = group
  }

  public var parameters: [Tensor] { inner.parameters }
  public var learningRate: Double {
    get { inner.learningRate }
    set { inner.learningRate = newValue }
  }

  public func step() throws {
    try group.averageGradients(of: inner.parameters)
    try inner.step()
  }

  public func state() throws -> [(name: String, tensor: Tensor)] { try inner.state() }
  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws { try inner.loadState(state) }
  public func maskState(ofParameterAt index: Int, by mask: Tensor) throws { try inner.maskState(ofParameterAt: index, by: mask) }
}
