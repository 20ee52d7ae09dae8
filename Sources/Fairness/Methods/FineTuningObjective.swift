import NN
import Torch

/// Which weights the objective's L2 term covers (SPEC 2.7).
public enum WeightDecayScope: String, Codable, CaseIterable, Sendable {
  /// Every Conv2d/Linear weight and bias; BatchNorm parameters excluded (library default).
  case all
  /// Only the last Linear layer, which is what the released CEAG code effectively regularizes.
  case lastLayerOnly = "last-layer-only"

  /// The parameters the L2 term sums over.
  public func parameters(of model: any Module) -> [Tensor] {
    switch self {
    case .all:
      return model.namedModules().filter { $0.module is Linear || $0.module is Conv2d }
        .flatMap { $0.module.ownParameters.map(\.tensor) }
    case .lastLayerOnly:
      return model.namedModules().last { $0.module is Linear }.map { $0.module.ownParameters.map(\.tensor) } ?? []
    }
  }
}

/// The fine-tuning objective f = mean cross-entropy + (wd/2)‖θ‖² over a `WeightDecayScope`
/// (SPEC 2.7), written into the loss rather than into the optimizer, as the reference code does.
public struct FineTuningObjective {
  public let model: any Module
  /// Coefficient wd of (wd/2)‖θ‖².
  public let weightDecay: Double
  public let scope: WeightDecayScope
  /// The ranks that share each batch under data parallelism (nil: one process). Every value of
  /// an `Evaluation` is then the global batch's, through `BatchShard`.
  public let processGroup: ProcessGroup?
  let l2Parameters: [Tensor]

  public init(model: any Module, weightDecay: Double = 1e-4, scope: WeightDecayScope = .all, processGroup: ProcessGroup? = nil) {
    self.model = model
    self.weightDecay = weightDecay
    self.scope = scope
    self.processGroup = processGroup
    l2Parameters = scope.parameters(of: model)
  }

  /// One training-mode forward pass.
  public struct Evaluation {
    public let logits: Tensor
    /// Per-sample cross-entropy [B] of this rank's samples.
    public let perSample: Tensor
    /// This rank's share of the global batch (the whole batch in one process).
    public let batch: BatchShard
    /// Mean cross-entropy L over the global batch (no L2 term).
    public let meanLoss: Tensor
    /// f = L + (wd/2)‖θ‖².
    public let objective: Tensor
  }

  public func evaluate(inputs: Tensor, targets: Tensor) throws -> Evaluation {
    model.train()
    let logits = try model(inputs)
    let perSample = try Tensor.crossEntropy(logits, targets: targets, reduction: .none)
    let batch = try BatchShard(localCount: targets.count, group: processGroup)
    let meanLoss = try batch.mean(perSample)
    let objective = try l2Parameters.isEmpty || weightDecay == 0 ? meanLoss : meanLoss + l2Term()
    return Evaluation(logits: logits, perSample: perSample, batch: batch, meanLoss: meanLoss, objective: objective)
  }

  /// (wd/2)·Σ‖θ‖² over the scope; pruned weights are stored as zeros and add nothing.
  func l2Term() throws -> Tensor {
    var total = try l2Parameters[0].square().sum()
    for p in l2Parameters.dropFirst() { total = try total + p.square().sum() }
    return try total * (weightDecay / 2)
  }
}
