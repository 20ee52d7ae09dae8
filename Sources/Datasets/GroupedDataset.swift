import Torch

/// One split of a labelled dataset with protected attributes, held in memory: the unit every
/// batch is drawn from (a `BatchSource` for the `DataLoader`).
///
/// Inputs are either float32 tensors [N, ...] (features, the synthetic images) or decoded uint8
/// images (`ImageSplit`: 1 byte per pixel, cropped and normalized per batch). `targets` is int64
/// [N]; `attributes` is int64 [N, A], one column per protected attribute.
/// `horizontalFlip` is the split's training augmentation: each image of a batch is mirrored with
/// probability 1/2, drawn from the batch's seed. `withoutAugmentation` gives the evaluation view.
public struct GroupedSplit: BatchSource, @unchecked Sendable {
  /// Where the inputs live.
  public enum Storage: @unchecked Sendable {
    /// Float tensors [N, ...].
    case tensor(Tensor)
    /// Decoded uint8 images; their `BatchTransform` crops and normalizes.
    case images(ImageSplit)
  }

  public let storage: Storage
  public let targets: Tensor
  public let attributes: Tensor
  /// Mirror each image with probability 1/2 when a batch is built (image inputs only).
  public let horizontalFlip: Bool

  /// A tensor-backed split; `inputs` is [N, ...] float.
  public init(inputs: Tensor, targets: Tensor, attributes: Tensor, horizontalFlip: Bool = false) throws {
    try self.init(storage: .tensor(inputs), count: inputs.size(0), targets: targets, attributes: attributes,
                  horizontalFlip: horizontalFlip)
    if horizontalFlip && inputs.rank != 4 {
      throw DatasetError("horizontal flip needs image inputs [N, C, H, W], not \(inputs.shape)")
    }
  }

  /// An image-backed split; the flip is the split's, whatever `images.transform` says.
  public init(images: ImageSplit, horizontalFlip: Bool = false) throws {
    var transform = images.transform
    transform.horizontalFlip = horizontalFlip
    let (targets, attributes) = try images.labels.tensors(Array(0..<images.count))
    try self.init(storage: .images(try images.with(transform: transform)), count: images.count, targets: targets,
                  attributes: attributes, horizontalFlip: horizontalFlip)
  }

  private init(storage: Storage, count n: Int, targets: Tensor, attributes: Tensor, horizontalFlip: Bool) throws {
    guard targets.shape == [n] else { throw DatasetError("targets have shape \(targets.shape), expected [\(n)]") }
    guard attributes.rank == 2, attributes.size(0) == n else {
      throw DatasetError("attributes have shape \(attributes.shape), expected [\(n), A]")
    }
    self.storage = storage
    self.targets = targets
    self.attributes = attributes
    self.horizontalFlip = horizontalFlip
  }

  public var count: Int { targets.size(0) }

  /// The shape of one sample as a batch holds it ([C, H, W] or [F]).
  public var sampleShape: [Int] {
    switch storage {
    case .tensor(let t): return Array(t.shape.dropFirst())
    case .images(let s):
      let size = (try? s.transform.outputSize(height: s.store.height, width: s.store.width)) ?? (height: s.store.height, width: s.store.width)
      return [s.store.channels, size.height, size.width]
    }
  }

  /// The same samples with no random augmentation (evaluation).
  public var withoutAugmentation: GroupedSplit {
    get throws {
      switch storage {
      case .tensor(let t): return try GroupedSplit(inputs: t, targets: targets, attributes: attributes)
      case .images(let s): return try GroupedSplit(images: s.with(transform: s.transform.deterministic))
      }
    }
  }

  /// The same samples with the training flip switched on or off.
  public func with(horizontalFlip: Bool) throws -> GroupedSplit {
    switch storage {
    case .tensor(let t): return try GroupedSplit(inputs: t, targets: targets, attributes: attributes, horizontalFlip: horizontalFlip)
    case .images(let s): return try GroupedSplit(images: s, horizontalFlip: horizontalFlip)
    }
  }

  /// Every sample's inputs as one float tensor, without augmentation (4 bytes per pixel: for
  /// small data and tests).
  public func materializedInputs() throws -> Tensor {
    try withoutAugmentation.makeBatch(Array(0..<count), seed: 0).inputs
  }

  /// The samples at `indices` (int64 [M]).
  public func subset(_ indices: Tensor) throws -> GroupedSplit {
    switch storage {
    case .tensor(let t):
      return try GroupedSplit(inputs: t.indexSelect(dim: 0, index: indices), targets: targets.indexSelect(dim: 0, index: indices),
                              attributes: attributes.indexSelect(dim: 0, index: indices), horizontalFlip: horizontalFlip)
    case .images(let s):
      return try GroupedSplit(images: s.subset(try indices.toArray(Int64.self).map(Int.init)), horizontalFlip: horizontalFlip)
    }
  }

  /// The batch of the samples at `indices`; `seed` draws the flips (and random crops), so the same
  /// indices and seed give the same batch on any thread.
  public func makeBatch(_ indices: [Int], seed: UInt64) throws -> Batch {
    try checkIndices(indices, count: count)
    let index = try Tensor(indices.map(Int64.init))
    let inputs: Tensor
    switch storage {
    case .images(let s): inputs = try s.makeBatch(indices, seed: seed).inputs
    case .tensor(let t):
      let rows = try t.indexSelect(dim: 0, index: index)
      inputs = horizontalFlip ? try Self.flip(rows, seed: seed) : rows
    }
    return Batch(inputs: inputs, targets: try targets.indexSelect(dim: 0, index: index),
                 attributes: try attributes.indexSelect(dim: 0, index: index), indices: indices)
  }

  /// Mirrors image k of `images` [B, C, H, W] when bit 0 of the k-th draw from `seed` is set, the
  /// rule `BatchTransform` uses for stored images.
  static func flip(_ images: Tensor, seed: UInt64) throws -> Tensor {
    var rng = SplitMix64(seed: seed)
    let n = images.size(0), width = images.size(3)
    let flips = (0..<n).map { _ in (rng.next() & 1) == 1 }
    let mirrored = try images.indexSelect(dim: 3, index: Tensor.arange(Double(width - 1), -1, step: -1))
    return try Tensor.where(try Tensor(flips).reshaped([n, 1, 1, 1]), mirrored, images)
  }
}

/// Describes a dataset's classes and protected attributes.
public struct DatasetInfo: Sendable, Equatable, Codable {
  public var name: String
  public var classNames: [String]
  /// Protected attributes in column order of `GroupedSplit.attributes`.
  public var attributes: [ProtectedAttribute]

  public init(name: String, classNames: [String], attributes: [ProtectedAttribute]) {
    self.name = name
    self.classNames = classNames
    self.attributes = attributes
  }
  public var numClasses: Int { classNames.count }
}

/// A protected attribute and the names of its values.
public struct ProtectedAttribute: Sendable, Equatable, Codable {
  public var name: String
  public var values: [String]
  public init(name: String, values: [String]) {
    self.name = name
    self.values = values
  }
  public var cardinality: Int { values.count }
}

/// A dataset with train, test and optional validation splits.
public struct GroupedDataset: @unchecked Sendable {
  public var info: DatasetInfo
  public var train: GroupedSplit
  public var test: GroupedSplit
  public var validation: GroupedSplit?

  public init(info: DatasetInfo, train: GroupedSplit, test: GroupedSplit, validation: GroupedSplit? = nil) {
    self.info = info
    self.train = train
    self.test = test
    self.validation = validation
  }
}
