import ArgumentParser
import Experiments
import Foundation

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a dense model on the built-in synthetic grouped data and report per-group accuracy.")

  @Option(help: "Architecture: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
  var model: String = ModelKind.mlp.rawValue
  @Option(help: "Dense training epochs.") var epochs: Int = 10
  @Option(help: "Random seed for data order and initialization.") var seed: UInt64 = 0
  @Option(help: "Intra-op threads.") var threads: Int = 2
  @Option(help: "Noise level of the synthetic images.") var noise: Double = 6

  func validate() throws {
    guard ModelKind(rawValue: model) != nil else { throw ValidationError("unknown model '\(model)'") }
    guard epochs > 0 else { throw ValidationError("--epochs must be positive, got \(epochs)") }
  }

  func run() throws {
    var config = DemoConfig()
    config.model = ModelKind(rawValue: model)!
    config.dense.epochs = epochs
    config.dense.seed = seed
    config.threads = threads
    config.data.noise = noise
    print(try DemoRun.run(config))
  }
}
