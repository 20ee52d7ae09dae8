import Torch

/// Recomputes every BatchNorm2d's running statistics of a model from scratch: statistics reset,
/// then forward passes in train mode without gradients, each batch weighted equally (PyTorch's
/// cumulative average, `momentum=None`). After pruning, running statistics that trail the
/// weights can make an evaluation report chance accuracy for a model that is fine.
public enum BatchNormRecalibration {
  /// Runs the model on the inputs `nextInputs` returns until it returns nil; returns the number
  /// of batches used (0, and nothing changed, for a model without BatchNorm or without batches).
  @discardableResult
  public static func run(_ model: any Module, nextInputs: () throws -> Tensor?) throws -> Int {
    let norms = model.namedModules().compactMap { $0.module as? BatchNorm2d }
    guard !norms.isEmpty, var inputs = try nextInputs() else { return 0 }
    let wasTraining = model.isTraining
    let momenta = norms.map(\.momentum)
    defer {
      for (bn, m) in zip(norms, momenta) { bn.momentum = m }
      model.train(wasTraining)
    }
    try Torch.withNoGrad {
      for bn in norms {
        try bn.runningMean.zero_()
        try bn.runningVar.fill_(1)
        try bn.numBatchesTracked.zero_()
      }
    }
    model.train()
    var count = 0
    try Torch.withNoGrad {
      while true {
        count += 1
        for bn in norms { bn.momentum = 1 / Double(count) }
        _ = try model(inputs)
        guard let next = try nextInputs() else { break }
        inputs = next
      }
    }
    return count
  }
}
