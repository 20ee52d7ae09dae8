import Optim
import Torch

/// Copies of the primal parameters and the primal optimizers' state, to undo an extrapolation step.
struct PrimalSnapshot {
  let optimizers: [Optimizer]
  let parameters: [[Tensor]]
  let states: [[(name: String, tensor: Tensor)]]

  init(_ optimizers: [Optimizer]) throws {
    self.optimizers = optimizers
    parameters = try optimizers.map { try $0.parameters.map { try $0.detached().clone() } }
    // Optimizers may hand out their live buffers; copy them before the step mutates them.
    states = try optimizers.map { try $0.state().map { ($0.name, try $0.tensor.clone()) } }
  }

  /// Writes the saved values back into the parameters (their gradients are kept) and the optimizers.
  func restore() throws {
    try Torch.withNoGrad {
      for (o, saved) in zip(optimizers, parameters) {
        for (p, v) in zip(o.parameters, saved) { try p.copy_(v) }
      }
    }
    for (o, s) in zip(optimizers, states) { try o.loadState(s) }
  }
}

/// Copies of the multipliers and the dual optimizers' state.
struct DualSnapshot {
  let multipliers: [Multiplier]
  let values: [Tensor]
  let optimizers: [DualOptimizer]
  let states: [[(name: String, tensor: Tensor)]]

  init(constraints: [Constraint], optimizers: [DualOptimizer]) throws {
    multipliers = constraints.compactMap(\.multiplier)
    values = try multipliers.map { try $0.values() }
    self.optimizers = optimizers
    states = try optimizers.map { try $0.state() }
  }

  func restore() throws {
    try Torch.withNoGrad {
      for (m, v) in zip(multipliers, values) { try m.store.value.copy_(v) }
    }
    for (o, s) in zip(optimizers, states) { try o.loadState(s) }
  }
}
