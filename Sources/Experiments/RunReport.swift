import Fairness
import Foundation
import Sparsity

/// report.json of a run: fractions in [0, 1].
public struct RunReport: Codable, Sendable, Equatable {
  public var method: String
  public var sparsityTarget: Double
  public var achievedSparsity: Double
  public var tolerance: Double
  public var seed: UInt64
  public var groups: [String]
  /// "train", "test" and, when present, "val".
  public var splits: [String: DisparityMetrics]
  /// The epoch whose model the report describes (NFT+ES: the selected one).
  public var epoch: Int
  /// NFT+ES: the split the epoch was selected on.
  public var selectedOn: String?
  public var weightDecayScope: String

  enum CodingKeys: String, CodingKey {
    case method, tolerance, seed, groups, splits, epoch
    case sparsityTarget = "sparsity_target"
    case achievedSparsity = "achieved_sparsity"
    case selectedOn = "selected_on"
    case weightDecayScope = "weight_decay_scope"
  }

  /// Verdict: every constraint ψ_g ≤ ε holds on the training split (SPEC 1.4).
  public var feasibleOnTrain: Bool { splits["train"]?.feasible ?? false }
}

/// One line of metrics.jsonl.
struct EpochMetrics: Codable {
  var epoch: Int
  var split: String
  var sparsity: Double
  var learningRate: Double
  var trainLoss: Double?
  var multiplierMax: Double?
  var metrics: DisparityMetrics

  enum CodingKeys: String, CodingKey {
    case epoch, split, sparsity, metrics
    case learningRate = "learning_rate"
    case trainLoss = "train_loss"
    case multiplierMax = "multiplier_max"
  }
}

/// One line of steps.jsonl: what a training step measured (SPEC 7.5).
struct StepLog: Codable {
  var epoch: Int
  var step: Int
  var loss: Double
  var lagrangian: Double?
  var multiplierMax: Double?
  var multiplierSum: Double?
  var measured: Int?
  var maxViolation: Double?

  enum CodingKeys: String, CodingKey {
    case epoch, step, loss, lagrangian, measured
    case multiplierMax = "multiplier_max"
    case multiplierSum = "multiplier_sum"
    case maxViolation = "max_violation"
  }
}
