import Datasets
import Foundation
import Torch
import XCTest

/// Seeded shuffling, batching, drop-last and background prefetch.
final class DataLoaderTests: XCTestCase {
  /// 10 samples whose feature equals their index.
  private func tenSamples() throws -> GroupedSplit {
    try GroupedSplit(inputs: Tensor((0..<10).map(Float.init), shape: [10, 1]), targets: Tensor((0..<10).map { Int64($0 % 3) }),
                     attributes: Tensor((0..<10).map { Int64($0 % 2) }, shape: [10, 1]))
  }

  private func collect(_ loader: DataLoader<GroupedSplit>, epoch: Int) throws -> [[Float]] {
    var out: [[Float]] = []
    let it = loader.batches(epoch: epoch)
    while let batch = try it.next() { out.append(try batch.inputs.toArray(Float.self)) }
    return out
  }

  /// A batch moved to the GPU (through pinned memory, without blocking) holds the same values.
  func testBatchMovedToCUDAKeepsItsValues() throws {
    try XCTSkipIf(Torch.cudaDeviceCount == 0, "libtorch has no CUDA device")
    let batch = try DataLoader(try tenSamples(), batchSize: 4).makeBatch(epoch: 0, batch: 2)
    let moved = try batch.to(device: .cuda(0))
    XCTAssertEqual(moved.inputs.device, .cuda(0))
    XCTAssertEqual(try moved.inputs.toArray(Float.self), [8, 9])
    XCTAssertEqual(try moved.targets.toArray(Int64.self), [2, 0])
    XCTAssertEqual(try moved.attributes.toArray(Int64.self), [0, 1])
    XCTAssertEqual(moved.indices, [8, 9])
    XCTAssertTrue(try batch.to(device: .cpu).inputs === batch.inputs, "on the CPU the batch is not copied")
  }

  /// Pinned batches need CUDA: a CPU-only libtorch refuses the loader by name, before any batch.
  func testPinnedMemoryIsRefusedWhereLibtorchHasNoCUDA() throws {
    try XCTSkipIf(Torch.cudaDeviceCount > 0, "libtorch has CUDA")
    XCTAssertThrowsError(try DataLoader(try tenSamples(), batchSize: 4, pinMemory: true)) { error in
      XCTAssertTrue("\(error)".contains("pinned memory needs a CUDA build of libtorch"), "\(error)")
    }
    XCTAssertFalse(try DataLoader(try tenSamples(), batchSize: 4).makeBatch(epoch: 0, batch: 0).inputs.isPinned)
  }

  /// With CUDA the loader builds every batch in page-locked memory, on the prefetch thread too.
  func testPinnedLoaderBuildsPinnedBatches() throws {
    try XCTSkipIf(Torch.cudaDeviceCount == 0, "libtorch has no CUDA device")
    for prefetch in [0, 2] {
      let batches = try DataLoader(try tenSamples(), batchSize: 4, prefetch: prefetch, pinMemory: true).batches(epoch: 0)
      var seen = 0
      while let b = try batches.next() {
        XCTAssertTrue(b.inputs.isPinned && b.targets.isPinned && b.attributes.isPinned, "prefetch \(prefetch)")
        seen += b.count
      }
      XCTAssertEqual(seen, 10)
    }
  }

  func testSequentialBatchesKeepTheLastPartialBatch() throws {
    let loader = try DataLoader(try tenSamples(), batchSize: 4)
    XCTAssertEqual(loader.batchCount, 3)
    XCTAssertEqual(try collect(loader, epoch: 0), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    let batch = try loader.makeBatch(epoch: 0, batch: 2)
    XCTAssertEqual(try batch.targets.toArray(Int64.self), [2, 0])
    XCTAssertEqual(try batch.attributes.toArray(Int64.self), [0, 1])
    XCTAssertEqual(batch.indices, [8, 9])
  }

  func testDropLast() throws {
    let loader = try DataLoader(try tenSamples(), batchSize: 4, dropLast: true)
    XCTAssertEqual(loader.batchCount, 2)
    XCTAssertEqual(try collect(loader, epoch: 0).count, 2)
  }

  func testShuffleIsSeededPerEpochAndAPermutation() throws {
    let a = try DataLoader(try tenSamples(), batchSize: 3, shuffle: true, seed: 7)
    let b = try DataLoader(try tenSamples(), batchSize: 3, shuffle: true, seed: 7)
    let c = try DataLoader(try tenSamples(), batchSize: 3, shuffle: true, seed: 8)
    XCTAssertEqual(a.order(epoch: 0), b.order(epoch: 0))
    XCTAssertNotEqual(a.order(epoch: 0), a.order(epoch: 1))
    XCTAssertNotEqual(a.order(epoch: 0), c.order(epoch: 0))
    XCTAssertEqual(a.order(epoch: 3).sorted(), Array(0..<10))
    XCTAssertEqual(try collect(a, epoch: 1).flatMap { $0 }, a.order(epoch: 1).map(Float.init))
  }

  /// Data-parallel shards: the ranks' parts of every batch, concatenated in rank order, are the
  /// unsharded batch; part sizes differ by at most one.
  func testShardsPartitionEveryGlobalBatchInOrder() throws {
    let whole = try DataLoader(try tenSamples(), batchSize: 4, shuffle: true, seed: 5)
    let parts = try (0..<3).map { try DataLoader(try tenSamples(), batchSize: 4, shuffle: true, seed: 5, shard: (rank: $0, count: 3)) }
    for epoch in 0..<2 {
      let global = whole.batchIndices(epoch: epoch)
      let sharded = parts.map { $0.batchIndices(epoch: epoch) }
      XCTAssertEqual(global.count, 3)
      for b in global.indices {
        XCTAssertEqual(sharded.flatMap { $0[b] }, global[b], "epoch \(epoch) batch \(b)")
        let sizes = sharded.map { $0[b].count }
        XCTAssertLessThanOrEqual((sizes.max() ?? 0) - (sizes.min() ?? 0), 1)
      }
    }
    // The last global batch has 2 samples: ranks 0..2 take 0, 1, 1 of them.
    XCTAssertEqual(parts.map { $0.batchIndices(epoch: 0)[2].count }, [0, 1, 1])
    XCTAssertThrowsError(try DataLoader(try tenSamples(), batchSize: 4, shard: (rank: 3, count: 3))) { error in
      XCTAssertTrue("\(error)".contains("rank 3 is not in 0..<3"), "\(error)")
    }
  }

  func testPrefetchGivesTheSameBatchesAsOnDemand() throws {
    let split = try tenSamples()
    let eager = try DataLoader(split, batchSize: 3, shuffle: true, seed: 5, prefetch: 0)
    let ahead = try DataLoader(split, batchSize: 3, shuffle: true, seed: 5, prefetch: 2)
    for epoch in 0..<3 { XCTAssertEqual(try collect(eager, epoch: epoch), try collect(ahead, epoch: epoch)) }
  }

  /// A source that fails on the sample with index 5.
  struct FailingSource: BatchSource {
    let inner: GroupedSplit
    var count: Int { inner.count }
    func makeBatch(_ indices: [Int], seed: UInt64) throws -> Batch {
      if indices.contains(5) { throw DatasetError("sample 5 is broken", file: "broken.jpg") }
      return try inner.makeBatch(indices, seed: seed)
    }
  }

  func testErrorsReachTheConsumerAndEndTheEpoch() throws {
    for prefetch in [0, 2] {
      let loader = try DataLoader(FailingSource(inner: try tenSamples()), batchSize: 4, prefetch: prefetch)
      let it = loader.batches(epoch: 0)
      XCTAssertNotNil(try it.next())
      XCTAssertThrowsError(try it.next()) { XCTAssertEqual(($0 as? DatasetError)?.file, "broken.jpg") }
      XCTAssertNil(try it.next())
    }
  }

  func testAbandonedIteratorsStopTheirProducer() throws {
    let loader = try DataLoader(try tenSamples(), batchSize: 1, prefetch: 1)
    for _ in 0..<20 {
      let it = loader.batches(epoch: 0)
      _ = try it.next()
      it.cancel()
      XCTAssertNil(try it.next())
    }
    do { _ = try loader.batches(epoch: 0).next() }  // dropped without cancel
  }

  func testInvalidConfigurationsThrow() throws {
    XCTAssertThrowsError(try DataLoader(try tenSamples(), batchSize: 0))
    XCTAssertThrowsError(try DataLoader(try tenSamples(), batchSize: 2, prefetch: -1))
    XCTAssertThrowsError(try DataLoader(try tenSamples(), batchSize: 11, dropLast: true))
    let empty = try GroupedSplit(inputs: Tensor.zeros([0, 1]), targets: Tensor.zeros([0], dtype: .int64),
                                 attributes: Tensor.zeros([0, 1], dtype: .int64))
    XCTAssertThrowsError(try DataLoader(empty, batchSize: 2)) { XCTAssertTrue("\($0)".contains("empty split")) }
  }

  /// Strata of 60, 30 and 10 samples in batches of 10: each epoch's every batch holds exactly 6, 3
  /// and 1 of them, in a seeded order that changes with the epoch.
  func testStratifiedBatchesHoldEveryStratumInProportion() throws {
    let strata = (0..<100).map { $0 < 60 ? 0 : $0 < 90 ? 1 : 2 }
    let split = try GroupedSplit(inputs: Tensor((0..<100).map(Float.init), shape: [100, 1]), targets: Tensor([Int64](repeating: 0, count: 100)),
                                 attributes: Tensor(strata.map(Int64.init), shape: [100, 1]))
    let loader = try DataLoader(split, batchSize: 10, shuffle: true, seed: 3, prefetch: 0, strata: strata)
    for epoch in 0..<3 {
      let batches = loader.batchIndices(epoch: epoch)
      XCTAssertEqual(batches.count, 10)
      for batch in batches {
        XCTAssertEqual([0, 1, 2].map { s in batch.filter { strata[$0] == s }.count }, [6, 3, 1], "epoch \(epoch)")
      }
      XCTAssertEqual(Set(batches.flatMap { $0 }).count, 100, "a permutation")
    }
    XCTAssertNotEqual(loader.order(epoch: 0), loader.order(epoch: 1))
    XCTAssertEqual(loader.order(epoch: 1), try DataLoader(split, batchSize: 10, shuffle: true, seed: 3, strata: strata).order(epoch: 1))
    assertThrows(DatasetError.self, "2 strata for 100 samples") { try DataLoader(split, batchSize: 10, strata: [0, 1]) }
  }
}
