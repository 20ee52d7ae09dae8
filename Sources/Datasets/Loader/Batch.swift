import Torch

/// One batch: float inputs, int64 targets [B] and int64 protected attributes [B, A].
public struct Batch: @unchecked Sendable {
  /// float32 [B, C, H, W] images or [B, F] features.
  public let inputs: Tensor
  /// int64 [B].
  public let targets: Tensor
  /// int64 [B, A].
  public let attributes: Tensor
  /// Positions of the samples in their split.
  public let indices: [Int]

  public init(inputs: Tensor, targets: Tensor, attributes: Tensor, indices: [Int]) {
    self.inputs = inputs
    self.targets = targets
    self.attributes = attributes
    self.indices = indices
  }

  public var count: Int { indices.count }

  /// The batch on `device`: itself on the CPU; otherwise copied from page-locked host memory
  /// (pinned here unless the loader pinned it) without blocking, so the copy overlaps the host's
  /// next work.
  public func to(device: Device) throws -> Batch {
    guard device != .cpu else { return self }
    func move(_ t: Tensor) throws -> Tensor { try (t.isPinned ? t : t.pinnedMemory()).to(device: device, nonBlocking: true) }
    return Batch(inputs: try move(inputs), targets: try move(targets), attributes: try move(attributes), indices: indices)
  }

  /// The batch in page-locked host memory (PyTorch's `pin_memory=True`), from which copies to a
  /// CUDA device run asynchronously. Throws on a libtorch without CUDA.
  public func pinned() throws -> Batch {
    Batch(inputs: try inputs.pinnedMemory(), targets: try targets.pinnedMemory(), attributes: try attributes.pinnedMemory(),
          indices: indices)
  }
}

/// Anything the `DataLoader` can draw batches from.
public protocol BatchSource: Sendable {
  /// Number of samples.
  var count: Int { get }
  /// The batch of the samples at `indices` (positions in 0..<count). `seed` drives any random
  /// augmentation, so the same indices and seed give the same batch on any thread.
  func makeBatch(_ indices: [Int], seed: UInt64) throws -> Batch
}

/// Throws unless every index lies in 0..<count.
func checkIndices(_ indices: [Int], count: Int) throws {
  if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
    throw DatasetError("sample index \(bad) is outside 0..<\(count)")
  }
}
