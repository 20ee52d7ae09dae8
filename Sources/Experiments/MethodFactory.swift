import Fairness
import NN
import Optim

extension RunConfig {
  /// The fine-tuning method this config names, over `model` with the `primal` optimizer; the one
  /// place where config settings reach a method.
  public func makeMethod(model: any Module, primal: any Optimizer, groups: GroupSpec, dense: DenseReference) throws
    -> any FineTuningMethod {
    let objective = FineTuningObjective(model: model, weightDecay: weightDecay, scope: weightDecayScope)
    switch method {
    case .nft, .nftES:
      return NaiveFineTuning(objective: objective, primal: primal)
    case .el, .elRB:
      return try EqualizedLoss(objective: objective, primal: primal, groups: groups, absolute: equalizedLossAbsolute,
                               dualLearningRate: dualLearningRate, bufferSize: method == .elRB ? bufferSize : nil,
                               reproduceInPlaceL2Quirk: reproduceInPlaceL2Quirk)
    case .ceag, .ceagNoRB:
      return try CEAG(objective: objective, primal: primal, groups: groups, dense: dense, tolerance: tolerance,
                      dualLearningRate: dualLearningRate, bufferSize: method == .ceag ? bufferSize : nil,
                      reproduceInPlaceL2Quirk: reproduceInPlaceL2Quirk)
    }
  }
}
