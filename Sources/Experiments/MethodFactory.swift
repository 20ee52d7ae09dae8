import Datasets
import Fairness
import NN
import Optim
import Sparsity
import Torch

extension RunConfig {
  /// The fine-tuning method this config names, over `model` with the `primal` optimizer; the one
  /// place where config settings reach a method.
  /// `masks`: the run's masks over the prunable layers (BiFP learns them). `processGroup`: the
  /// ranks that share each batch under data parallelism (`primal` then averages gradients).
  /// `stepsPerEpoch` (global batches per epoch) scales the dual step when it is set per epoch.
  public func makeMethod(model: any Module, primal: any Optimizer, groups: GroupSpec, dense: DenseReference,
                         stepsPerEpoch: Int, masks: SparsityMasks? = nil, processGroup: ProcessGroup? = nil) throws -> any FineTuningMethod {
    let dualUpdate = dualUpdate(stepsPerEpoch: stepsPerEpoch)
    let objective = FineTuningObjective(model: model, weightDecay: weightDecay, scope: weightDecayScope, processGroup: processGroup)
    let options = groupConstraintOptions
    switch method {
    case .nft, .nftES, .fairgrape:
      return NaiveFineTuning(objective: objective, primal: primal)
    case .el, .elRB:
      return try EqualizedLoss(objective: objective, primal: primal, groups: groups, groupCounts: dense.groupCounts,
                               absolute: equalizedLossAbsolute, dual: dualUpdate, options: options,
                               reproduceInPlaceL2Quirk: reproduceInPlaceL2Quirk)
    case .bifp:
      return try BiFP(model: model, layers: masks?.layers ?? [], primal: primal, groups: groups, lambda: bifpLambda,
                      scoreLearningRate: bifpScoreLearningRate, temperature: bifpTemperature,
                      implicitGradientScale: bifpImplicitGradient, momentum: momentum, weightDecay: weightDecay,
                      freezeMaskFromEpoch: bifpFinalFineTune ? lastPruningEpoch + 1 : nil, structured: structured,
                      sparsityMasks: masks)
    case .ceag, .ceagNoRB:
      return try CEAG(objective: objective, primal: primal, groups: groups, dense: dense, tolerance: tolerance,
                      dual: dualUpdate, options: options, reproduceInPlaceL2Quirk: reproduceInPlaceL2Quirk)
    }
  }

  /// The sparsity schedule up to `last_pruning_epoch`.
  public func makeSchedule() throws -> any SparsitySchedule {
    switch sparsitySchedule {
    case .gmp: return try GradualMagnitudeSchedule(finalSparsity: sparsity, lastEpoch: lastPruningEpoch, frequency: pruningFrequency)
    case .geometric:
      return try GeometricSchedule(keep: scheduleKeep, finalSparsity: sparsity, lastEpoch: lastPruningEpoch, frequency: pruningFrequency)
    }
  }

  /// The pruning criterion: FairGRAPE's for `fairgrape`, else magnitude (per channel when
  /// structured: per layer, or per channel space under a channel, FLOP or parameter budget).
  public func makePruner(model: any Module, data: GroupedDataset, groups: GroupSpec) throws -> any Pruner {
    if method == .bifp { return CurrentMasksPruner() }
    if method == .fairgrape {
      guard !structured else { throw ConfigError("method = fairgrape prunes single weights; drop structured") }
      return FairGRAPEPruner(model: model, split: data.train, groups: groups, batchSize: batchSize,
                             maxBatches: fairgrapeScoringBatches, seed: seed &+ 104_729)
    }
    guard structured else { return LayerwiseMagnitudePruner() }
    let budget: ChannelBudget
    switch structuredBudget {
    case .layer: return StructuredChannelPruner()
    case .channels: budget = .channels
    case .flops: budget = .flops
    case .parameters: budget = .parameters
    }
    guard let compactable = model as? any ChannelCompactable else {
      throw ConfigError("structured_budget = \(structuredBudget.rawValue) needs a model with a channel graph; \(self.model.rawValue) has none")
    }
    return try CoupledChannelPruner(model: compactable, inputShape: data.train.sampleShape, budget: budget, allocation: structuredAllocation,
                                    residualStreams: structuredResidualStreams)
  }

  /// The dual optimizer the settings name, with its per-step learning rate.
  public func dualUpdate(stepsPerEpoch: Int) -> DualUpdate {
    let rate = dualLearningRateUnit == .epoch ? dualLearningRate / Double(max(1, stepsPerEpoch)) : dualLearningRate
    switch dualOptimizer {
    case .sgd: return .gradientAscent(learningRate: rate, momentum: dualMomentum)
    case .nupi: return .nuPI(learningRate: rate, kp: nupiKp, nu: nupiNu)
    }
  }

  /// Which groups the method constrains and how its buffers estimate.
  public var groupConstraintOptions: GroupConstraintOptions {
    GroupConstraintOptions(bufferSize: method == .ceag || method == .elRB ? bufferSize : nil, minGroupSize: minGroupSize,
                           referenceBufferOverall: referenceBufferOverall, dualRestarts: dualRestarts,
                           formulation: formulation.formulation, penaltyCoefficient: penaltyCoefficient,
                           updateOrder: updateOrder.order, evaluationModeEstimates: evaluationModeEstimates)
  }
}
