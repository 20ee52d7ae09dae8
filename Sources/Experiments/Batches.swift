import Datasets
import Torch

/// Minibatches of an in-memory split: a new seeded permutation per epoch for training,
/// sequential order for evaluation; the last partial batch is kept (SPEC 7.2).
public struct SplitBatches: Sequence {
  public let split: GroupedSplit
  public let batchSize: Int
  let order: Tensor?

  /// Sequential batches.
  public init(_ split: GroupedSplit, batchSize: Int) {
    self.split = split
    self.batchSize = batchSize
    order = nil
  }

  /// Shuffled batches; the permutation comes from libtorch's generator seeded with `seed`.
  public init(_ split: GroupedSplit, batchSize: Int, shuffleSeed seed: UInt64) throws {
    self.split = split
    self.batchSize = batchSize
    Torch.manualSeed(seed)
    order = try Tensor.randperm(split.count)
  }

  public var count: Int { (split.count + batchSize - 1) / batchSize }

  public struct Batch {
    public let inputs: Tensor
    public let targets: Tensor
    public let attributes: Tensor
  }

  public func makeIterator() -> AnyIterator<Result<Batch, Error>> {
    var start = 0
    return AnyIterator {
      guard start < split.count else { return nil }
      let end = Swift.min(start + batchSize, split.count)
      defer { start = end }
      return Result {
        let idx = try order.map { try $0.slice(dim: 0, start: start, end: end) }
          ?? Tensor.arange(Double(start), Double(end))
        return Batch(inputs: try split.inputs.indexSelect(dim: 0, index: idx),
                     targets: try split.targets.indexSelect(dim: 0, index: idx),
                     attributes: try split.attributes.indexSelect(dim: 0, index: idx))
      }
    }
  }
}
