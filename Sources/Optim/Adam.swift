import Foundation
import Torch

/// Adam (Kingma & Ba 2015) and, with `decoupledWeightDecay`, AdamW (Loshchilov & Hutter 2019);
/// the update of torch.optim.Adam / AdamW (1.13, single-tensor path, no amsgrad).
public final class Adam: Optimizer {
  public let parameters: [Tensor]
  public var learningRate: Double
  public let beta1: Double, beta2: Double, eps: Double, weightDecay: Double
  public let decoupledWeightDecay: Bool
  public private(set) var stepCount: Int = 0
  public private(set) var slots: OptimizerSlots

  public init(parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
              eps: Double = 1e-8, weightDecay: Double = 0, decoupledWeightDecay: Bool = false) throws {
    guard learningRate >= 0, eps >= 0, weightDecay >= 0 else {
      throw TorchError("Adam: learning rate, eps and weight decay must be >= 0 (got \(learningRate), \(eps), \(weightDecay))")
    }
    guard (0..<1).contains(betas.0), (0..<1).contains(betas.1) else {
      throw TorchError("Adam: betas must lie in [0, 1), got \(betas)")
    }
    self.parameters = parameters
    self.learningRate = learningRate
    beta1 = betas.0
    beta2 = betas.1
    self.eps = eps
    self.weightDecay = weightDecay
    self.decoupledWeightDecay = decoupledWeightDecay
    slots = OptimizerSlots(names: ["exp_avg", "exp_avg_sq"], count: parameters.count)
  }

  /// AdamW with PyTorch's default weight decay 0.01.
  public static func adamW(parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                           eps: Double = 1e-8, weightDecay: Double = 1e-2) throws -> Adam {
    try Adam(parameters: parameters, learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay,
             decoupledWeightDecay: true)
  }

  public func step() throws {
    stepCount += 1
    let bc1 = 1 - Foundation.pow(beta1, Double(stepCount))
    let bc2Sqrt = Foundation.sqrt(1 - Foundation.pow(beta2, Double(stepCount)))
    try Torch.withNoGrad {
      for (i, p) in parameters.enumerated() {
        guard var g = p.grad else { continue }
        if weightDecay != 0 {
          if decoupledWeightDecay { try p.mul_(1 - learningRate * weightDecay) } else { g = try g + weightDecay * p }
        }
        let m = try slots.values[0][i] ?? Tensor.zeros(like: p)
        let v = try slots.values[1][i] ?? Tensor.zeros(like: p)
        slots.values[0][i] = m
        slots.values[1][i] = v
        try m.mul_(beta1)
        try m.add_(g, alpha: 1 - beta1)
        try v.mul_(beta2)
        try v.addcmul_(g, g, value: 1 - beta2)
        let denom = try v.sqrt() / bc2Sqrt + eps
        try p.addcdiv_(m, denom, value: -learningRate / bc1)
      }
    }
  }

  public func maskState(ofParameterAt index: Int, by mask: Tensor) throws {
    guard parameters.indices.contains(index) else {
      throw TorchError("\(type(of: self)).maskState: parameter index \(index) out of range 0..<\(parameters.count)")
    }
    try slots.mask(ownerAt: index, by: mask)
  }

  public func state() throws -> [(name: String, tensor: Tensor)] {
    try slots.export(learningRate: learningRate, extra: [("step", try Tensor(scalar: Int64(stepCount)))])
  }

  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws {
    let restored = try OptimizerSlots.restoring(state, names: slots.names, like: parameters, extraNames: ["step"],
                                                owner: "optimizer", ownerName: { "parameter \($0)" }, fail: TorchError.init)
    slots = restored.slots
    if let lr = restored.extras["lr"] { learningRate = try lr.item() }
    if let s = restored.extras["step"] { stepCount = try s.itemInt() }
  }
}
