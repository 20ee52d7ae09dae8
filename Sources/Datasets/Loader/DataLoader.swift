import Torch

/// Batches from a `BatchSource`: seeded shuffling (a new permutation each epoch), fixed batch
/// size, optional drop-last, and background prefetch.
///
/// Everything random follows from `seed`: epoch e's order comes from (seed, e) and batch b's
/// augmentation from (seed, e, b), so a run gives the same batches whether or not it prefetches.
///
/// ```swift
/// let loader = try DataLoader(dataset.train, batchSize: 128, shuffle: true, seed: 1)
/// for epoch in 0..<epochs {
///   let batches = loader.batches(epoch: epoch)
///   while let batch = try batches.next() { ... }
/// }
/// ```
public struct DataLoader<Source: BatchSource>: Sendable {
  /// Where batches come from.
  public let source: Source
  /// Samples per batch (the last may be smaller unless `dropLast`).
  public let batchSize: Int
  /// A new seeded permutation each epoch (training); sequential order when false (evaluation).
  public let shuffle: Bool
  /// Leave out the last batch when it is smaller than `batchSize`.
  public let dropLast: Bool
  /// Seed of the shuffle and of augmentation.
  public let seed: UInt64
  /// Batches built ahead on a background thread; 0 builds each batch when it is asked for.
  public let prefetch: Int
  /// A stratum (e.g. group) per sample: shuffled epochs then spread each stratum evenly over the
  /// epoch, so every batch holds each stratum in proportion (one that has at least as many samples
  /// as there are batches appears in every batch). nil: plain shuffling.
  public let strata: [Int]?
  /// Data parallelism: this loader yields only part `rank` of `count` of every global batch
  /// (contiguous, balanced: sizes differ by at most one), so the ranks together see each global
  /// batch exactly once in the order one process would. nil: whole batches.
  public let shard: (rank: Int, count: Int)?
  /// Batches are built in page-locked host memory (on the prefetch thread when prefetching), for
  /// asynchronous copies to a CUDA device, as PyTorch's `pin_memory=True`.
  public let pinMemory: Bool

  /// Throws when the batch size is not positive, `prefetch` is negative, or the source is
  /// empty (or too small to give one batch with `dropLast`), or on `pinMemory` where libtorch has no CUDA.
  public init(_ source: Source, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false, seed: UInt64 = 0,
              prefetch: Int = 2, strata: [Int]? = nil, shard: (rank: Int, count: Int)? = nil, pinMemory: Bool = false) throws {
    if pinMemory, Torch.cudaDeviceCount == 0 {
      throw DatasetError("pinned memory needs a CUDA build of libtorch; this one sees no CUDA device")
    }
    if let shard, shard.count < 1 || !(0..<shard.count).contains(shard.rank) {
      throw DatasetError("shard: rank \(shard.rank) is not in 0..<\(shard.count)")
    }
    if let strata, strata.count != source.count {
      throw DatasetError("stratified batches: \(strata.count) strata for \(source.count) samples")
    }
    guard batchSize > 0 else { throw DatasetError("batch size \(batchSize) must be positive") }
    guard prefetch >= 0 else { throw DatasetError("prefetch \(prefetch) must not be negative") }
    guard source.count > 0 else { throw DatasetError("cannot load batches from an empty split") }
    guard !dropLast || source.count >= batchSize else {
      throw DatasetError("with drop-last, \(source.count) samples give no batch of \(batchSize)")
    }
    self.source = source
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.dropLast = dropLast
    self.seed = seed
    self.prefetch = prefetch
    self.strata = strata
    self.shard = shard
    self.pinMemory = pinMemory
  }

  /// Batches per epoch.
  public var batchCount: Int { dropLast ? source.count / batchSize : (source.count + batchSize - 1) / batchSize }

  /// The sample order of `epoch`.
  public func order(epoch: Int) -> [Int] {
    var order = Array(0..<source.count)
    if shuffle {
      var rng = SplitMix64(seed: seed, stream: UInt64(truncatingIfNeeded: epoch))
      order.shuffle(using: &rng)
      if let strata {
        // Member j of a stratum of n (in shuffled order) sits at (j + u)/n of the epoch, u uniform.
        var seen: [Int: Int] = [:]
        let sizes = Dictionary(grouping: strata, by: { $0 }).mapValues(\.count)
        var keys = [Double](repeating: 0, count: order.count)
        for i in order {
          let j = seen[strata[i], default: 0]
          seen[strata[i]] = j + 1
          keys[i] = (Double(j) + Double(rng.next() >> 11) * 0x1p-53) / Double(sizes[strata[i]] ?? 1)
        }
        order.sort { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
      }
    }
    return order
  }

  /// The indices of each batch of `epoch` (this rank's part of it when sharded).
  public func batchIndices(epoch: Int) -> [[Int]] {
    let order = order(epoch: epoch)
    return (0..<batchCount).map { b in
      let global = order[(b * batchSize)..<min((b + 1) * batchSize, order.count)]
      guard let shard else { return Array(global) }
      let n = global.count, start = global.startIndex
      return Array(global[(start + shard.rank * n / shard.count)..<(start + (shard.rank + 1) * n / shard.count)])
    }
  }

  /// Batch `batch` of `epoch`, built now on this thread.
  public func makeBatch(epoch: Int, batch: Int) throws -> Batch {
    let indices = batchIndices(epoch: epoch)
    guard indices.indices.contains(batch) else { throw DatasetError("batch \(batch) is outside 0..<\(indices.count)") }
    return try source.makeBatch(indices[batch], seed: augmentationSeed(epoch: epoch, batch: batch))
  }

  /// The batches of `epoch`, in order. With `prefetch > 0` a background thread builds up to
  /// `prefetch` batches ahead while the caller trains on the current one.
  public func batches(epoch: Int) -> BatchIterator {
    let indices = batchIndices(epoch: epoch)
    let source = self.source
    let seeds = (0..<indices.count).map { augmentationSeed(epoch: epoch, batch: $0) }
    let pin = pinMemory
    return BatchIterator(count: indices.count, prefetch: prefetch) { b in
      let batch = try source.makeBatch(indices[b], seed: seeds[b])
      return pin ? try batch.pinned() : batch
    }
  }

  func augmentationSeed(epoch: Int, batch: Int) -> UInt64 {
    var rng = SplitMix64(seed: seed ^ 0xA5A5_5A5A_C3C3_3C3C, stream: UInt64(truncatingIfNeeded: epoch),
                         substream: UInt64(truncatingIfNeeded: batch))
    return rng.next()
  }
}
