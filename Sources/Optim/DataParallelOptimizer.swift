import Torch

/// Wraps an optimizer for data parallelism: each step first replaces every gradient by its mean
/// over the ranks (one bucketed all-reduce, `ProcessGroup.averageGradients`), so that ranks that
/// start from the same weights take the same step and stay bitwise identical. Losses built with
/// `BatchShard` make that mean the global batch's gradient.
public final class DataParallelOptimizer: OptimizerWrapper {
  public let inner: any Optimizer
  public let group: ProcessGroup

  public init(_ inner: any Optimizer, group: ProcessGroup) {
    self.inner = inner
    self.group = group
  }

  public func step() throws {
    try group.averageGradients(of: inner.parameters)
    try inner.step()
  }
}
