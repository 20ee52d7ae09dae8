import Torch

/// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay,
/// step for step the update of torch.optim.SGD (1.13).
public final class SGD: Optimizer {
  public let parameters: [Tensor]
  public var learningRate: Double
  public let momentum: Double, dampening: Double, weightDecay: Double
  public let nesterov: Bool, maximize: Bool
  public private(set) var slots: OptimizerSlots

  public init(parameters: [Tensor], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
              weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) throws {
    guard learningRate >= 0 else { throw TorchError("SGD: learning rate must be >= 0, got \(learningRate)") }
    guard momentum >= 0 else { throw TorchError("SGD: momentum must be >= 0, got \(momentum)") }
    guard weightDecay >= 0 else { throw TorchError("SGD: weight decay must be >= 0, got \(weightDecay)") }
    guard !nesterov || (momentum > 0 && dampening == 0) else {
      throw TorchError("SGD: Nesterov momentum requires momentum > 0 and zero dampening")
    }
    self.parameters = parameters
    self.learningRate = learningRate
    self.momentum = momentum
    self.dampening = dampening
    self.weightDecay = weightDecay
    self.nesterov = nesterov
    self.maximize = maximize
    slots = OptimizerSlots(names: ["momentum_buffer"], count: parameters.count)
  }

  public func step() throws {
    try Torch.withNoGrad {
      for (i, p) in parameters.enumerated() {
        guard let g = p.grad else { continue }
        var d = weightDecay != 0 ? try g + weightDecay * p : g
        if momentum != 0 {
          if let buf = slots.values[0][i] {
            try buf.mul_(momentum)
            try buf.add_(d, alpha: 1 - dampening)
            d = nesterov ? try d + momentum * buf : buf
          } else {
            let buf = try d.clone()
            slots.values[0][i] = buf
            d = nesterov ? try d + momentum * buf : buf
          }
        }
        try p.add_(d, alpha: maximize ? learningRate : -learningRate)
      }
    }
  }

  public func maskState(ofParameterAt index: Int, by mask: Tensor) throws {
    guard parameters.indices.contains(index) else {
      throw TorchError("\(type(of: self)).maskState: parameter index \(index) out of range 0..<\(parameters.count)")
    }
    try slots.mask(ownerAt: index, by: mask)
  }

  public func state() throws -> [(name: String, tensor: Tensor)] { try slots.export(learningRate: learningRate) }

  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws {
    let restored = try OptimizerSlots.restoring(state, names: slots.names, like: parameters, owner: "optimizer",
                                                ownerName: { "parameter \($0)" }, fail: TorchError.init)
    slots = restored.slots
    if let lr = restored.extras["lr"] { learningRate = try lr.item() }
  }
}
