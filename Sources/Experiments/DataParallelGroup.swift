import Datasets
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

  /// Throws on every rank unless all ranks were started with the same `settings` (JSON, threads
  /// aside) and training data.
  func checkSameInputs(settings: String, data: String) throws {
    try requireIdentical(settings + "\ndata " + data,
                         what: "the settings, dense model or data (start every rank with the same command and files)")
  }
}

/// The process group of a data-parallel run, as the jobs take it (`Jobs.processGroup`).
public typealias DataParallelGroup = ProcessGroup
