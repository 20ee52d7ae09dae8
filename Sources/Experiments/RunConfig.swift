import Constrained
import Fairness
import Foundation

/// The fine-tuning method of a run (SPEC sections 2 and 5): the name a config uses for one of
/// Fairness's `FineTuningMethod` types, plus the epoch-selection rule of NFT+ES.
public enum MethodKind: String, Codable, CaseIterable, Sendable {
  /// Naive fine-tuning: GMP then ERM (`NaiveFineTuning`).
  case nft
  /// NFT, reporting the epoch with the best selection-split accuracy (SPEC 5.1).
  case nftES = "nft-es"
  /// Equalized loss (Tran et al. 2022) from minibatch estimates (`EqualizedLoss`).
  case el
  /// Equalized loss with replay buffers of per-sample losses.
  case elRB = "el-rb"
  /// Constrained excess accuracy gap with replay buffers, the paper's method (`CEAG`).
  case ceag
  /// CEAG with minibatch accuracy estimates ("no RB" ablation).
  case ceagNoRB = "ceag-no-rb"
  /// FairGRAPE's group-importance pruning criterion (`FairGRAPEPruner`) with NFT fine-tuning.
  case fairgrape
  /// Bi-level fair pruning: learned mask scores and weights on CE + λ·(group accuracy gap) (`BiFP`).
  case bifp

  /// Which epoch's model the report describes unless the config says otherwise.
  public var defaultEpochSelection: EpochSelection { self == .nftES ? .bestAccuracy : .last }
}

/// The dual optimizer of a constrained method.
public enum DualOptimizerKind: String, Codable, CaseIterable, Sendable {
  /// Projected gradient ascent (`DualSGD`), optionally with momentum.
  case sgd
  /// The nuPI controller (`NuPI`).
  case nupi
}

/// What `dual_learning_rate` is measured in.
public enum DualRateUnit: String, Codable, CaseIterable, Sendable {
  /// Multiplier change per fine-tuning step (the paper's): per epoch the multipliers move in
  /// proportion to the steps per epoch, i.e. to the training-set size over the batch size.
  case step
  /// Multiplier change per epoch: each step uses dual_learning_rate / steps per epoch, so a
  /// setting carries over between datasets and batch sizes of different lengths.
  case epoch
}

/// How a constrained method's constraints enter its Lagrangian (Constrained's `Formulation`).
public enum FormulationKind: String, Codable, CaseIterable, Sendable {
  /// f + Σ λ_g g̃_g, multipliers by dual ascent (the paper's).
  case lagrangian
  /// The augmented Lagrangian: multipliers plus a ρ-weighted quadratic term.
  case augmentedLagrangian = "augmented-lagrangian"
  /// f + ½ ρ Σ relu(g̃_g)², no multipliers.
  case quadraticPenalty = "quadratic-penalty"

  public var formulation: Formulation {
    switch self {
    case .lagrangian: return .lagrangian
    case .augmentedLagrangian: return .augmentedLagrangian
    case .quadraticPenalty: return .quadraticPenalty
    }
  }
}

/// Which player moves first in a constrained step (Constrained's `UpdateOrder`).
public enum UpdateOrderKind: String, Codable, CaseIterable, Sendable {
  /// Dual step on the current violations, then the primal step (the paper's; one forward).
  case alternatingDualPrimal = "alternating-dual-primal"
  /// Both from the same point (one forward).
  case simultaneous
  /// Primal step, then the dual step on violations measured at the new point (two forwards).
  case alternatingPrimalDual = "alternating-primal-dual"
  /// Extragradient: both players look ahead and step with the look-ahead's gradients (two forwards).
  case extragradient

  public var order: UpdateOrder {
    switch self {
    case .alternatingDualPrimal: return .alternatingDualPrimal
    case .simultaneous: return .simultaneous
    case .alternatingPrimalDual: return .alternatingPrimalDual
    case .extragradient: return .extragradient
    }
  }
}

/// How sparsity grows over the pruning epochs.
public enum SparsityScheduleKind: String, Codable, CaseIterable, Sendable {
  /// Gradual magnitude pruning's cubic ramp (Zhu & Gupta; the paper's).
  case gmp
  /// Iterative pruning keeping `schedule_keep` of the weights per epoch (Lottery: 0.8; FairGRAPE: 0.9).
  case geometric
}

/// What `sparsity` measures in a structured run, and which channels are pruned together.
public enum StructuredBudget: String, Codable, CaseIterable, Sendable {
  /// SPEC 4.5: ceil(s · units) output channels of every layer, each layer on its own (a residual
  /// stream's channel then rarely dies in all its writers, so compaction removes less).
  case layer
  /// Channels of channel spaces, pruned in every layer writing them (compactable); likewise below.
  case channels
  /// A fraction s of the whole model's multiply-accumulates (FLOPs).
  case flops
  /// A fraction s of the whole model's parameters.
  case parameters
}

/// Every setting of a prune-and-fine-tune run. Defaults suit the built-in synthetic data;
/// the paper's protocol values are in SPEC 7.4.
public struct RunConfig: Codable, Sendable, Equatable {
  // Defaults live here and nowhere else: files and command-line overrides only replace them.
  public var method: MethodKind = .ceag
  public var model: ModelKind = .mlp
  /// Target sparsity of prunable weights, in [0, 1).
  public var sparsity = 0.9
  /// Prune whole output channels instead of single weights.
  public var structured = false
  /// Structured runs: what the sparsity counts (`StructuredBudget`).
  public var structuredBudget: StructuredBudget = .layer
  /// Structured runs with a channels/flops/parameters budget: the same fraction of channels in
  /// every space (`uniform`) or one ranking of normalized channel norms over all (`global`).
  public var structuredAllocation: ChannelAllocation = .uniform
  /// Structured runs with a channels/flops/parameters budget: prune residual streams in all their
  /// writers (true), or keep them dense and prune only channels inside blocks (false).
  public var structuredResidualStreams = true
  /// Total epochs (GMP + fine-tuning).
  public var epochs = 12
  /// Last GMP epoch T: sparsity reaches its target here and mitigation starts (SPEC 2.8).
  public var lastPruningEpoch = 4
  /// How sparsity grows up to `last_pruning_epoch`: gmp (cubic) or geometric.
  public var sparsitySchedule: SparsityScheduleKind = .gmp
  /// Geometric schedule: fraction of the weights kept per pruning step.
  public var scheduleKeep = 0.8
  /// Epochs per pruning step up to `last_pruning_epoch` (FairGRAPE's 1 step + 3 retraining epochs: 4).
  public var pruningFrequency = 1
  public var batchSize = 128
  public var evalBatchSize = 256
  public var learningRate = 0.01
  public var momentum = 0.9
  public var nesterov = false
  /// LR ×0.1 at these fractions of the total epochs.
  public var milestones: [Double] = [0.6, 0.8, 0.9]
  /// Linear learning-rate warm-up over this many epochs (fractions allowed) from the run's first
  /// step (`LinearWarmup`); 0, the reference code's behaviour, starts at the full rate.
  public var warmupEpochs = 0.0
  /// L2 coefficient written into the objective (wd/2·‖θ‖²), not into the optimizer.
  public var weightDecay = 1e-4
  public var weightDecayScope: WeightDecayScope = .all
  /// Put the L2 term into the constraints' overall loss, as the released code does (SPEC 2.7).
  public var reproduceInPlaceL2Quirk = false
  /// ε: each group's excess accuracy gap must stay at or below it.
  public var tolerance = 0.01
  /// Replay-buffer capacity k per group.
  public var bufferSize = 40
  public var dualLearningRate = 1e-2
  /// Whether `dualLearningRate` is per step (the paper's) or per epoch (divided by the steps per epoch).
  public var dualLearningRateUnit: DualRateUnit = .step
  /// How multipliers move: projected gradient ascent (`sgd`, with `dual_momentum`) or nuPI.
  public var dualOptimizer: DualOptimizerKind = .sgd
  /// Heavy-ball momentum of `sgd` dual ascent, in [0, 1).
  public var dualMomentum = 0.0
  /// nuPI's proportional gain K_P (≥ 0) and EMA coefficient ν in (−1, 1); K_I is 1.
  public var nupiKp = 1.0
  public var nupiNu = 0.0
  /// How constraints enter the Lagrangian: lagrangian (the paper's), augmented-lagrangian, quadratic-penalty.
  public var formulation: FormulationKind = .lagrangian
  /// ρ of the augmented Lagrangian and the quadratic penalty, shared by all groups.
  public var penaltyCoefficient = 1.0
  /// Which player moves first: alternating-dual-primal (the paper's), simultaneous,
  /// alternating-primal-dual, extragradient.
  public var updateOrder: UpdateOrderKind = .alternatingDualPrimal
  /// Groups with fewer training samples are reported but neither constrained nor counted in the
  /// verdict: an accuracy measured on n samples moves in steps of 1/n, too coarse for ε.
  public var minGroupSize = 10
  /// Â as the unweighted mean of the full replay buffers, as the reference code (biased when
  /// groups differ in size and accuracy); default: weighted by training group sizes, as A_d.
  public var referenceBufferOverall = false
  /// CEAG's accuracy estimates from the model in evaluation mode, one more forward pass per step
  /// (`GroupConstraintOptions.evaluationModeEstimates`); false: the training forward's, as the
  /// reference code.
  public var evaluationModeEstimates = false
  /// After the last epoch, add per-class offsets to the classifier's bias that make every group
  /// meet ψ_g ≤ ε on the training split (`FeasibleClassOffsets`, searched on the whole split in
  /// evaluation mode), with the highest accuracy among those found: the exact, deterministic last
  /// step that the stochastic multipliers approach but need not reach. The last epoch's metrics and
  /// the saved model include them; an epoch selection that picks an earlier epoch does not.
  public var classOffsets = false
  /// Reset a group's multiplier to 0 once its constraint holds (CEAG's inequality constraints).
  public var dualRestarts = false
  /// Equalized loss uses |L_g − L| (true, the paper's runs) or L_g − L.
  public var equalizedLossAbsolute = true
  /// Before each evaluation of the sparse model, recompute BatchNorm running statistics from this
  /// many training batches (train mode, no gradients); 0 keeps them as training left them, as the
  /// reference code does.
  public var bnRecalibrationBatches = 32
  /// FairGRAPE: training batches scored per pruning step (the reference scores the whole split).
  public var fairgrapeScoringBatches = 100
  /// BiFP: λ, the weight of the smooth group-accuracy gap in both levels.
  public var bifpLambda = 1.0
  /// BiFP: learning rate of the mask scores (SGD with the run's momentum).
  public var bifpScoreLearningRate = 0.01
  /// BiFP: temperature T of σ(margin / T).
  public var bifpTemperature = 1.0
  /// BiFP: scale 1/γ of BiP's implicit-gradient term on the scores (0: first order).
  public var bifpImplicitGradient = 0.0
  /// Spread each group evenly over every training epoch, so each batch holds every group in
  /// proportion (BiFP's fairness term needs the groups in each batch).
  public var stratifiedBatches = false
  /// BiFP: after the last pruning epoch, fine-tune the weights under the fixed mask (no score steps).
  public var bifpFinalFineTune = false
  /// Apply constraints during GMP epochs too (SPEC 2.8 default: false).
  public var mitigationWhilePruning = false
  /// Protected attributes (column names of the dataset) that form the groups; empty = all.
  public var groupAttributes: [String] = []
  public var groupMode: GroupSpec.Mode = .intersectional
  /// Which epoch's model the report describes; nil: the method's default (`last`, or
  /// `best-accuracy` for nft-es).
  public var epochSelection: EpochSelection?
  public var seed: UInt64 = 0
  public var threads = 2
  /// Data-parallel runs: also check every this many steps (not only after each epoch) that all
  /// ranks hold bitwise-equal weights, multipliers and buffers; 0: after each epoch only. A
  /// debugging aid: it does not change results.
  public var replicaCheckSteps = 0
  /// Data-parallel runs: BatchNorm normalizes with the global batch's statistics (PyTorch's
  /// SyncBatchNorm), so N ranks train the model one process would; false (PyTorch DDP's
  /// default): each rank's own part of the batch. No effect in a single process.
  public var syncBatchNorm = false
  /// Where the model, its optimizers' state, the multipliers and replay buffers live and batches
  /// run (`cpu`, `cuda`, `cuda:N`); checked against the linked libtorch when a run starts.
  public var device: Device = .cpu

  public init() {}

  /// Checks every value; the error names the setting and the value.
  public func validate() throws {
    func fail(_ field: String, _ value: Any, _ rule: String) throws -> Never {
      throw ConfigError("\(field) = \(value): \(rule)")
    }
    // NaN and infinities fail every rule below by name, not later in an encoder.
    let reals: [(String, Double)] = [("sparsity", sparsity), ("learning_rate", learningRate), ("momentum", momentum),
                                     ("weight_decay", weightDecay), ("tolerance", tolerance), ("dual_learning_rate", dualLearningRate),
                                     ("dual_momentum", dualMomentum), ("nupi_kp", nupiKp), ("nupi_nu", nupiNu),
                                     ("penalty_coefficient", penaltyCoefficient), ("bifp_lambda", bifpLambda),
                                     ("bifp_score_learning_rate", bifpScoreLearningRate), ("bifp_temperature", bifpTemperature),
                                     ("bifp_implicit_gradient", bifpImplicitGradient), ("schedule_keep", scheduleKeep), ("warmup_epochs", warmupEpochs)] + milestones.map { ("milestones", $0) }
    for (name, value) in reals where !value.isFinite { try fail(name, value, "must be a finite number") }
    if !(0..<1).contains(sparsity) { try fail("sparsity", sparsity, "must be in [0, 1)") }
    if epochs < 1 { try fail("epochs", epochs, "must be at least 1") }
    if lastPruningEpoch < 0 || lastPruningEpoch >= epochs {
      try fail("last_pruning_epoch", lastPruningEpoch, "must be in 0..<epochs (\(epochs))")
    }
    if batchSize < 1 { try fail("batch_size", batchSize, "must be positive") }
    if evalBatchSize < 1 { try fail("eval_batch_size", evalBatchSize, "must be positive") }
    if !(learningRate > 0) { try fail("learning_rate", learningRate, "must be positive") }
    if momentum < 0 || momentum >= 1 { try fail("momentum", momentum, "must be in [0, 1)") }
    if weightDecay < 0 { try fail("weight_decay", weightDecay, "must be >= 0") }
    if tolerance < 0 { try fail("tolerance", tolerance, "must be >= 0") }
    if bufferSize < 1 { try fail("buffer_size", bufferSize, "must be positive") }
    if !(dualLearningRate > 0) { try fail("dual_learning_rate", dualLearningRate, "must be positive") }
    if !(0..<1).contains(dualMomentum) { try fail("dual_momentum", dualMomentum, "must be in [0, 1)") }
    if !(nupiKp >= 0) { try fail("nupi_kp", nupiKp, "must be >= 0") }
    if !(nupiNu > -1 && nupiNu < 1) { try fail("nupi_nu", nupiNu, "must be in (-1, 1)") }
    if !(penaltyCoefficient > 0) { try fail("penalty_coefficient", penaltyCoefficient, "must be positive") }
    if !structuredResidualStreams && structuredBudget == .layer {
      try fail("structured_residual_streams", false, "applies to a channels, flops or parameters structured_budget (the per-layer rule keeps no stream consistent)")
    }
    if structuredBudget != .layer && !structured {
      try fail("structured_budget", structuredBudget.rawValue, "applies to structured runs; set structured = true or drop it")
    }
    if structuredBudget != .layer && method == .bifp {
      try fail("structured_budget", structuredBudget.rawValue, "bifp learns per-layer channel masks; use layer")
    }
    if pruningFrequency < 1 { try fail("pruning_frequency", pruningFrequency, "must be at least 1") }
    if !(scheduleKeep > 0 && scheduleKeep < 1) { try fail("schedule_keep", scheduleKeep, "must be in (0, 1)") }
    if !(0...Double(epochs)).contains(warmupEpochs) { try fail("warmup_epochs", warmupEpochs, "must be in [0, epochs = \(epochs)]") }
    if bifpLambda < 0 { try fail("bifp_lambda", bifpLambda, "must be >= 0") }
    if !(bifpScoreLearningRate > 0) { try fail("bifp_score_learning_rate", bifpScoreLearningRate, "must be positive") }
    if !(bifpTemperature > 0) { try fail("bifp_temperature", bifpTemperature, "must be positive") }
    if bifpImplicitGradient < 0 { try fail("bifp_implicit_gradient", bifpImplicitGradient, "must be >= 0") }
    if fairgrapeScoringBatches < 1 { try fail("fairgrape_scoring_batches", fairgrapeScoringBatches, "must be at least 1") }
    if bnRecalibrationBatches < 0 { try fail("bn_recalibration_batches", bnRecalibrationBatches, "must be >= 0") }
    if minGroupSize < 1 { try fail("min_group_size", minGroupSize, "must be at least 1") }
    if milestones.contains(where: { !(0...1).contains($0) }) { try fail("milestones", milestones, "fractions must be in [0, 1]") }
    if threads < 1 { try fail("threads", threads, "must be positive") }
    if replicaCheckSteps < 0 { try fail("replica_check_steps", replicaCheckSteps, "must be >= 0") }
  }

  /// The settings' names in config files (snake_case).
  public enum CodingKeys: String, CodingKey, CaseIterable {
    case method, model, sparsity, structured, epochs, seed, threads, tolerance, momentum, nesterov, milestones
    case lastPruningEpoch = "last_pruning_epoch"
    case batchSize = "batch_size"
    case evalBatchSize = "eval_batch_size"
    case learningRate = "learning_rate"
    case weightDecay = "weight_decay"
    case weightDecayScope = "weight_decay_scope"
    case reproduceInPlaceL2Quirk = "reproduce_in_place_l2_quirk"
    case bufferSize = "buffer_size"
    case dualLearningRate = "dual_learning_rate"
    case dualLearningRateUnit = "dual_learning_rate_unit"
    case dualOptimizer = "dual_optimizer"
    case dualMomentum = "dual_momentum"
    case nupiKp = "nupi_kp"
    case nupiNu = "nupi_nu"
    case minGroupSize = "min_group_size"
    case formulation
    case penaltyCoefficient = "penalty_coefficient"
    case updateOrder = "update_order"
    case referenceBufferOverall = "reference_buffer_overall"
    case evaluationModeEstimates = "evaluation_mode_estimates"
    case dualRestarts = "dual_restarts"
    case classOffsets = "class_offsets"
    case equalizedLossAbsolute = "equalized_loss_absolute"
    case mitigationWhilePruning = "mitigation_while_pruning"
    case bnRecalibrationBatches = "bn_recalibration_batches"
    case fairgrapeScoringBatches = "fairgrape_scoring_batches"
    case bifpLambda = "bifp_lambda"
    case bifpScoreLearningRate = "bifp_score_learning_rate"
    case bifpTemperature = "bifp_temperature"
    case bifpImplicitGradient = "bifp_implicit_gradient"
    case bifpFinalFineTune = "bifp_final_fine_tune"
    case stratifiedBatches = "stratified_batches"
    case sparsitySchedule = "sparsity_schedule"
    case scheduleKeep = "schedule_keep"
    case warmupEpochs = "warmup_epochs"
    case pruningFrequency = "pruning_frequency"
    case structuredBudget = "structured_budget"
    case structuredAllocation = "structured_allocation"
    case structuredResidualStreams = "structured_residual_streams"
    case groupAttributes = "group_attributes"
    case groupMode = "group_mode"
    case epochSelection = "epoch_selection"
    case replicaCheckSteps = "replica_check_steps"
    case syncBatchNorm = "sync_batchnorm"
    case device
  }
}

/// An invalid configuration value or file.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
