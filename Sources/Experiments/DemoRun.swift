import Datasets
import Foundation
import NN
import Torch

/// Settings of `fairprune demo`.
public struct DemoConfig: Codable, Sendable {
  public var model: ModelKind = .mlp
  public var dense = DenseTrainingConfig()
  public var data = SyntheticGroupedImagesConfig()
  public var threads = 2
  public init() {}
}

/// Codable mirror of the synthetic data settings.
public struct SyntheticGroupedImagesConfig: Codable, Sendable, Equatable {
  public var seed: UInt64 = 1234
  public var trainCount = 6000
  public var testCount = 2000
  public var noise = 6.0
  public init() {}
  func make() -> SyntheticGroupedImages {
    var s = SyntheticGroupedImages()
    s.seed = seed
    s.trainCount = trainCount
    s.testCount = testCount
    s.noise = noise
    return s
  }
}

public enum DemoRun {
  /// Trains the dense model and returns a Markdown table of per-group test accuracy.
  public static func run(_ config: DemoConfig) throws -> String {
    Torch.threadCount = config.threads
    let data = try config.data.make().make()
    Torch.manualSeed(config.dense.seed)
    let model = try config.model.make(inputShape: Array(data.train.inputs.shape.dropFirst()), numClasses: data.info.numClasses)
    try DenseTrainer.train(model, on: data.train, config: config.dense)
    var lines = ["| split | group | count | accuracy |", "|---|---|---|---|"]
    for (name, split) in [("train", data.train), ("test", data.test)] {
      let p = try Evaluator.predict(model, on: split)
      lines.append("| \(name) | all | \(split.count) | \(String(format: "%.2f%%", 100 * p.accuracy)) |")
      let groups = try split.attributes.select(dim: 1, index: 0)
      for (g, groupName) in data.info.attributes[0].values.enumerated() {
        let mask = try groups.eq(Double(g))
        let n = try mask.sum().itemInt()
        let acc = n > 0 ? try p.correct.maskedSelect(mask).to(.float64).mean().item() : .nan
        lines.append("| \(name) | \(groupName) | \(n) | \(String(format: "%.2f%%", 100 * acc)) |")
      }
    }
    return lines.joined(separator: "\n")
  }
}
