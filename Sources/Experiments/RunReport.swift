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
  /// How tables name the run when its method alone is ambiguous (not saved).
  public var label: String? = nil
  /// Share of the training split's most frequent class: the accuracy of always guessing it.
  public var majorityClassRate: Double?
  /// The per-class offsets `class_offsets` added to the classifier's bias, when the described
  /// epoch has them.
  public var classOffsets: [Double]?
  /// The same epoch's metrics per split before the class offsets were added: what the method
  /// itself reached, so that one run shows both (nil without offsets).
  public var withoutClassOffsets: [String: DisparityMetrics]?

  public init(method: String, sparsityTarget: Double, achievedSparsity: Double, tolerance: Double, seed: UInt64,
              groups: [String], splits: [String: DisparityMetrics], epoch: Int, selectedOn: String?,
              weightDecayScope: String, majorityClassRate: Double? = nil, classOffsets: [Double]? = nil,
              withoutClassOffsets: [String: DisparityMetrics]? = nil) {
    self.method = method
    self.sparsityTarget = sparsityTarget
    self.achievedSparsity = achievedSparsity
    self.tolerance = tolerance
    self.seed = seed
    self.groups = groups
    self.splits = splits
    self.epoch = epoch
    self.selectedOn = selectedOn
    self.weightDecayScope = weightDecayScope
    self.majorityClassRate = majorityClassRate
    self.classOffsets = classOffsets
    self.withoutClassOffsets = withoutClassOffsets
  }

  enum CodingKeys: String, CodingKey {
    case method, tolerance, seed, groups, splits, epoch
    case majorityClassRate = "majority_class_rate"
    case classOffsets = "class_offsets"
    case withoutClassOffsets = "without_class_offsets"
    case sparsityTarget = "sparsity_target"
    case achievedSparsity = "achieved_sparsity"
    case selectedOn = "selected_on"
    case weightDecayScope = "weight_decay_scope"
  }

  /// The run's name in tables and plots: the label, else the method, marked when its last epoch
  /// has class offsets.
  public var displayName: String { (label ?? method) + (classOffsets == nil ? "" : " + class offsets") }

  /// The run as tables list it: with class offsets, first the model before them (the method's
  /// own result), then with them; otherwise the report alone.
  public var withAndWithoutClassOffsets: [RunReport] {
    guard classOffsets != nil, let before = withoutClassOffsets else { return [self] }
    var plain = self
    plain.splits = before
    plain.classOffsets = nil
    plain.withoutClassOffsets = nil
    return [plain, self]
  }

  /// Verdict: every constraint ψ_g ≤ ε holds on the training split (SPEC 1.4), and the model did
  /// not collapse: groups that all fell to chance together satisfy the constraints vacuously.
  public var feasibleOnTrain: Bool { (splits["train"]?.feasible ?? false) && !nearChance }

  /// The sparse model kept less than a quarter of the dense model's train accuracy above the
  /// majority-class rate: it fell to (near) chance, whatever its ψ_g say.
  public var nearChance: Bool {
    guard let train = splits["train"], let chance = majorityClassRate, train.denseAccuracy > chance else { return false }
    return train.accuracy - chance < 0.25 * (train.denseAccuracy - chance)
  }

  /// The verdict in words: feasible, infeasible, or collapsed to chance.
  public var verdict: String {
    if nearChance {
      return String(format: "no: near chance (train accuracy %.2f%%, always guessing the majority class gives %.2f%%)",
                    100 * (splits["train"]?.accuracy ?? .nan), 100 * (majorityClassRate ?? .nan))
    }
    return feasibleOnTrain ? "yes" : "no"
  }
}

/// One line of metrics.jsonl.
struct EpochMetrics: Codable {
  var epoch: Int
  var split: String
  var sparsity: Double
  var learningRate: Double
  var trainLoss: Double?
  var multiplierMax: Double?
  /// Every group's multiplier λ_g after the epoch (on the train line; methods with multipliers):
  /// which constraints are pushing, and whether a violated group's λ_g still grows.
  var multipliers: [Double]? = nil
  /// The offsets `class_offsets` added to the classifier's bias before this evaluation (train line).
  var classOffsets: [Double]? = nil
  /// With class offsets: this split's metrics before they were added.
  var withoutClassOffsets: DisparityMetrics? = nil
  var metrics: DisparityMetrics

  enum CodingKeys: String, CodingKey {
    case epoch, split, sparsity, metrics, multipliers
    case classOffsets = "class_offsets"
    case withoutClassOffsets = "without_class_offsets"
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
