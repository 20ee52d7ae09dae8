import ArgumentParser
import Experiments

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Dense model, then NFT and CEAG at 97% sparsity on the built-in synthetic data; per-group table and verdicts.")

  @Option(help: "Directory for the dense model and each method's run directory.") var output: String = "runs/demo"
  @Option(help: "Architecture: \(choices(ModelKind.self)).") var model: ModelKind = .mlp
  @Option(help: "Target sparsity of prunable weights.") var sparsity: Double = 0.97
  @Option(help: "Tolerance ε on each group's excess accuracy gap (fraction).") var tolerance: Double = 0.02
  @Option(help: "Random seed.") var seed: UInt64 = 0
  @Option(help: "Intra-op threads.") var threads: Int = 2
  @Flag(help: "Replace a demo with other settings in --output (dense model included) instead of refusing it.") var overwrite = false

  func run() throws {
    var config = DemoConfig()
    config.run.model = model
    config.run.sparsity = sparsity
    config.run.tolerance = tolerance
    config.run.seed = seed
    config.run.threads = threads
    config.dense.seed = seed
    config.overwrite = overwrite
    print(try library { try Jobs.demo(config, output: output) })
  }
}
