import NN
import Optim
import Torch

/// The fine-tuning objective and constraints of a run (SPEC 2 and 5).
public enum MitigationMethod: String, Codable, CaseIterable, Sendable {
  /// Naive fine-tuning: the objective only.
  case nft
  /// Equalized loss (Tran et al. 2022): h_g = L_g − L = 0 (or |L_g − L|), minibatch dual values.
  case equalizedLoss = "el"
  /// Equalized loss with replay buffers of per-sample losses for the dual values.
  case equalizedLossReplay = "el-rb"
  /// CEAG: ψ_g ≤ ε with the loss-gap proxy and replay-buffer accuracies for the dual values.
  case ceag
  /// CEAG with minibatch accuracy estimates ("no RB" ablation).
  case ceagNoReplay = "ceag-no-rb"

  public var usesReplayBuffers: Bool { self == .ceag || self == .equalizedLossReplay }
  public var isConstrained: Bool { self != .nft }
}

/// Which weights the objective's L2 term covers (SPEC 2.7).
public enum L2Scope: String, Codable, CaseIterable, Sendable {
  /// Every Conv2d/Linear weight and bias; BatchNorm parameters excluded (library default).
  case all
  /// Only the last Linear layer, which is what the released CEAG code effectively regularizes.
  case lastLayerOnly = "last-layer-only"

  /// The parameters the L2 term sums over.
  public func parameters(of model: any Module) -> [Tensor] {
    let layers = model.namedModules().compactMap { entry -> (any Module)? in
      entry.module is Linear || entry.module is Conv2d ? entry.module : nil
    }
    switch self {
    case .all: return layers.flatMap { $0.ownParameters.map(\.tensor) }
    case .lastLayerOnly:
      return model.namedModules().last { $0.module is Linear }.map { $0.module.ownParameters.map(\.tensor) } ?? []
    }
  }
}

/// Settings of a `FineTuner`.
public struct MitigationSettings: Sendable, Equatable {
  public var method: MitigationMethod
  /// ε of CEAG's constraints ψ_g ≤ ε.
  public var tolerance: Double
  /// Replay-buffer capacity k.
  public var bufferSize: Int
  public var dualLearningRate: Double
  /// Equalized loss: |L_g − L| (true) or L_g − L.
  public var equalizedLossAbsolute: Bool
  /// Coefficient of (wd/2)‖θ‖² in the objective.
  public var weightDecay: Double
  public var l2Scope: L2Scope
  /// Use the overall loss *with* the L2 term inside the constraints (CEAG's L − L_d, EL's L_g − L),
  /// as the released code does by adding it in place (SPEC 2.7, second quirk). Off: clean.
  public var reproduceInPlaceL2Quirk: Bool

  public init(method: MitigationMethod, tolerance: Double = 0.01, bufferSize: Int = 40, dualLearningRate: Double = 1e-2,
              equalizedLossAbsolute: Bool = true, weightDecay: Double = 1e-4, l2Scope: L2Scope = .all,
              reproduceInPlaceL2Quirk: Bool = false) {
    self.method = method
    self.tolerance = tolerance
    self.bufferSize = bufferSize
    self.dualLearningRate = dualLearningRate
    self.equalizedLossAbsolute = equalizedLossAbsolute
    self.weightDecay = weightDecay
    self.l2Scope = l2Scope
    self.reproduceInPlaceL2Quirk = reproduceInPlaceL2Quirk
  }
}

/// The dense model's train-set accuracies and mean losses, overall and per group (SPEC 1.3):
/// the constants of CEAG's constraints.
public struct DenseReference: @unchecked Sendable {
  /// float32 [G]; 0 for groups absent from the split.
  public let groupAccuracy: Tensor
  public let groupLoss: Tensor
  public let accuracy: Double
  public let loss: Double

  public init(_ performance: SplitPerformance) throws {
    guard let loss = performance.loss else { throw FairnessError("dense reference needs per-sample losses") }
    groupAccuracy = try Tensor(performance.groupAccuracies.map { Float($0 ?? 0) })
    groupLoss = try Tensor(performance.groupLosses.map { Float($0 ?? 0) })
    accuracy = performance.accuracy
    self.loss = loss
  }
}
