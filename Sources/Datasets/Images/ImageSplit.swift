import Torch

/// A split of decoded images held in memory (`ImageStore`) with its labels; a `BatchSource`
/// whose batches are cropped, flipped and normalized by `transform` as they are built.
///
/// Subsets share the store: `storeIndices[i]` is the store slot of sample i.
public struct ImageSplit: BatchSource {
  /// The decoded images (possibly shared with other splits).
  public let store: ImageStore
  /// Store slot of each sample.
  public let storeIndices: [Int]
  /// One row per sample.
  public let labels: LabelTable
  /// Crop / flip / normalization applied per batch.
  public var transform: BatchTransform

  /// Throws when the labels and indices disagree in count, an index is outside the store, or
  /// `transform` does not fit the stored images.
  public init(store: ImageStore, storeIndices: [Int]? = nil, labels: LabelTable, transform: BatchTransform) throws {
    let indices = storeIndices ?? Array(0..<store.count)
    guard indices.count == labels.count else {
      throw DatasetError("\(indices.count) images but \(labels.count) labels")
    }
    try checkIndices(indices, count: store.count)
    _ = try BatchAssembler(transform: transform, channels: store.channels, height: store.height, width: store.width)
    self.store = store
    self.storeIndices = indices
    self.labels = labels
    self.transform = transform
  }

  public var count: Int { storeIndices.count }

  /// The samples at `indices` (positions in this split), sharing the store.
  public func subset(_ indices: [Int]) throws -> ImageSplit {
    try checkIndices(indices, count: count)
    return try ImageSplit(store: store, storeIndices: indices.map { storeIndices[$0] }, labels: labels.subset(indices),
                          transform: transform)
  }

  /// The same images and labels with another batch transform.
  public func with(transform: BatchTransform) throws -> ImageSplit {
    try ImageSplit(store: store, storeIndices: storeIndices, labels: labels, transform: transform)
  }

  public func makeBatch(_ indices: [Int], seed: UInt64) throws -> Batch {
    try checkIndices(indices, count: count)
    let assembler = try BatchAssembler(transform: transform, channels: store.channels, height: store.height, width: store.width)
    let inputs = try assembler.assemble(count: indices.count, seed: seed) { k, body in
      store.withImage(storeIndices[indices[k]]) { body($0) }
    }
    let (targets, attributes) = try labels.tensors(indices)
    return Batch(inputs: inputs, targets: targets, attributes: attributes, indices: indices)
  }

  /// The whole split as float tensors in memory, through the transform's deterministic part
  /// (for small datasets and evaluation; 4 bytes per pixel).
  public func materialize() throws -> GroupedSplit {
    let plain = try with(transform: transform.deterministic)
    let batch = try plain.makeBatch(Array(0..<count), seed: 0)
    return try GroupedSplit(inputs: batch.inputs, targets: batch.targets, attributes: batch.attributes)
  }
}

/// A dataset whose splits are decoded images in memory.
public struct ImageDataset: Sendable {
  /// Class and protected-attribute names.
  public var info: DatasetInfo
  public var train: ImageSplit
  public var test: ImageSplit
  public var validation: ImageSplit?
  /// Records or images left out under a `.skip` policy.
  public var skipped: [SkippedItem]

  public init(info: DatasetInfo, train: ImageSplit, test: ImageSplit, validation: ImageSplit? = nil, skipped: [SkippedItem] = []) {
    self.info = info
    self.train = train
    self.test = test
    self.validation = validation
    self.skipped = skipped
  }

  /// The splits as image-backed `GroupedSplit`s (uint8 in memory); train mirrors images when
  /// `horizontalFlip`.
  public func grouped(horizontalFlip: Bool) throws -> GroupedDataset {
    GroupedDataset(info: info, train: try GroupedSplit(images: train, horizontalFlip: horizontalFlip),
                   test: try GroupedSplit(images: test), validation: try validation.map { try GroupedSplit(images: $0) })
  }

  /// All splits as float tensors (`ImageSplit.materialize`).
  public func materialize() throws -> GroupedDataset {
    GroupedDataset(info: info, train: try train.materialize(), test: try test.materialize(),
                   validation: try validation?.materialize())
  }
}
