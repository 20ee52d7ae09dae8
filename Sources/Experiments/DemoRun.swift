import Datasets
import Foundation
import NN
import Torch

/// Settings of `fairprune demo`.
public struct DemoConfig: Codable, Sendable {
  public var dense = DenseTrainingConfig()
  public var data = SyntheticGroupedImagesConfig()
  /// Shared settings of the NFT and CEAG runs (method is set per run).
  public var run = RunConfig()
  public var methods: [MethodKind] = [.nft, .ceag]
  /// Start afresh in an output folder that holds a demo with other settings (dense model included).
  public var overwrite = false
  public init() {
    dense.epochs = 10
    run.sparsity = 0.97
    run.epochs = 12
    run.lastPruningEpoch = 4
    run.tolerance = 0.02
  }
}

/// Codable mirror of the synthetic data settings.
public struct SyntheticGroupedImagesConfig: Codable, Sendable, Equatable {
  public var seed: UInt64 = 1234
  public var trainCount = 6000
  public var testCount = 2000
  public var noise = 6.0
  public init() {}
  public func make() -> SyntheticGroupedImages {
    var s = SyntheticGroupedImages()
    s.seed = seed
    s.trainCount = trainCount
    s.testCount = testCount
    s.noise = noise
    return s
  }
}

/// The demo: dense model on the synthetic data, then each method at high sparsity; returns
/// the combined Markdown report and writes one run directory per method under `output`.
public enum DemoRun {
  public static func run(_ config: DemoConfig, output: URL, progress: ProgressReporter = ProgressReporter()) throws -> (markdown: String, reports: [RunReport]) {
    Torch.threadCount = config.run.threads
    let data = try config.data.make().make()
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    let denseFile = output.appendingPathComponent("dense.safetensors").path
    let dense: any Module
    if !config.overwrite, FileManager.default.fileExists(atPath: denseFile) {
      dense = try ModelFile.load(denseFile, kind: config.run.model, for: data)
      progress.line("loaded the dense model from \(denseFile)")
    } else {
      var denseConfig = config.dense
      denseConfig.threads = config.run.threads  // one thread setting for the whole demo
      dense = try DenseTrainer.trainNew(config.run.model, on: data, config: denseConfig, progress: progress)
      try ModelFile.save(dense, metadata: ModelFileMetadata(architecture: config.run.model, for: data), to: denseFile)
    }
    var reports: [RunReport] = []
    for method in config.methods {
      var runConfig = config.run
      runConfig.method = method
      let run = try PruneRun(config: runConfig, data: data, directory: output.appendingPathComponent(method.rawValue), progress: progress)
      run.denseFile = denseFile
      run.overwrite = config.overwrite
      if let report = try run.run(dense: dense) { reports.append(report) }
    }
    var md = ReportMarkdown.render(reports.flatMap(\.withAndWithoutClassOffsets))
    md += "\n## Verdicts (constraints ψ_g ≤ ε on the training split)\n\n"
    for r in reports {
      let train = r.splits["train"]
      md += String(format: "- %@: max ψ_g = %.2f%% vs ε = %.2f%% → %@\n", r.method, 100 * (train?.maxExcessGap ?? .nan),
                   100 * r.tolerance, r.feasibleOnTrain ? "feasible: no group pays more than ε for pruning"
                     : "infeasible: some group lost more than ε beyond the overall drop")
    }
    try AtomicFileWriter.write(Data(md.utf8), to: output.appendingPathComponent("report.md"))
    return (md, reports)
  }
}
