import Datasets
import Foundation
import Torch

extension ProcessGroup {
  /// Throws unless every rank gets samples from every global batch of `count` samples in
  /// batches of `batchSize` (a rank without samples would have no loss to contribute).
  func checkEveryRankHasSamples(count: Int, batchSize: Int) throws {
    let rest = count % batchSize
    guard batchSize >= worldSize, rest == 0 || rest >= worldSize else {
      throw ConfigError("batch_size = \(batchSize) over \(worldSize) ranks leaves a rank without samples (\(count) training samples, "
                        + "a last batch of \(rest)); choose a batch size of at least \(worldSize) whose last batch has at least \(worldSize) samples")
    }
  }

  /// Throws on every rank unless all ranks were started with the same `settings` (their
  /// `threads` aside: each host may use its own) and inputs (`data`: digests of the data and models).
  func checkSameInputs<Settings: Encodable>(_ settings: Settings, threads: WritableKeyPath<Settings, Int>, data: String) throws {
    var compared = settings
    compared[keyPath: threads] = 0
    let json = String(decoding: try ConfigFile.encoder().encode(compared), as: UTF8.self)
    try requireIdentical(json + "\ndata " + data,
                         what: "the settings, dense model or data (start every rank with the same command and files)")
  }

  /// Rank 0's bytes of the file at `url` on every rank (nil where rank 0 has no such file): for
  /// what only rank 0's disk holds.
  func shareFile(_ url: URL) throws -> [UInt8]? {
    try broadcast(bytes: rank == 0 ? (try? Data(contentsOf: url)).map(Array.init) : nil)
  }
}

extension Optional where Wrapped == ProcessGroup {
  /// The group when it has several ranks; nil for a single process.
  var parallel: ProcessGroup? { flatMap { $0.worldSize > 1 ? $0 : nil } }
  /// Whether this process is rank 0, or alone: the one that writes files and prints.
  public var isLead: Bool { (self?.rank ?? 0) == 0 }
  /// This rank's part of each batch (`DataLoader`'s shard); nil for a single process.
  var loaderShard: (rank: Int, count: Int)? { parallel.map { (rank: $0.rank, count: $0.worldSize) } }
}

/// The process group of a data-parallel run, as the jobs take it (`Jobs.processGroup`).
public typealias DataParallelGroup = ProcessGroup
