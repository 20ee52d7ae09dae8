import Datasets
import Torch

/// Minibatches of an in-memory split: a new seeded permutation per epoch for training,
/// sequential order for evaluation; the last partial batch is kept (SPEC 7.2).
public struct SplitBatches: Sequence {
  public let split: GroupedSplit
  public let batchSize: Int
  /// Mirror a random half of each training batch's images left-right (inputs [B, C, H, W]).
  public let horizontalFlip: Bool
  let order: Tensor?

  /// Sequential batches.
  public init(_ split: GroupedSplit, batchSize: Int) {
    self.split = split
    self.batchSize = batchSize
    horizontalFlip = false
    order = nil
  }

  /// Shuffled batches; the permutation (and the flips) come from libtorch's generator seeded
  /// with `seed`. Flipping normalized tensors equals flipping the images before normalizing.
  public init(_ split: GroupedSplit, batchSize: Int, shuffleSeed seed: UInt64, horizontalFlip: Bool = false) throws {
    if horizontalFlip && split.inputs.rank != 4 {
      throw ConfigError("horizontal_flip needs image inputs [N, C, H, W], not \(split.inputs.shape)")
    }
    self.split = split
    self.batchSize = batchSize
    self.horizontalFlip = horizontalFlip
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
        let inputs = try split.inputs.indexSelect(dim: 0, index: idx)
        return Batch(inputs: horizontalFlip ? try Self.flipRandomHalf(inputs) : inputs,
                     targets: try split.targets.indexSelect(dim: 0, index: idx),
                     attributes: try split.attributes.indexSelect(dim: 0, index: idx))
      }
    }
  }

  /// Each image mirrored with probability 1/2 (one uniform draw per image).
  static func flipRandomHalf(_ images: Tensor) throws -> Tensor {
    let n = images.size(0), width = images.size(3)
    let reversed = try Tensor.arange(Double(width - 1), -1, step: -1)
    let mirrored = try images.indexSelect(dim: 3, index: reversed)
    let flip = try Tensor.rand([n]).lt(0.5).reshaped([n, 1, 1, 1])
    return try Tensor.where(flip, mirrored, images)
  }
}
