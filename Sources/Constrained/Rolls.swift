import Torch

/// The four update orders of `ConstrainedOptimizer.roll` (see `UpdateOrder`).
extension ConstrainedOptimizer {
  func rollSimultaneous(_ computeState: () throws -> ProblemState) throws -> RollOut {
    let state = try computeState()
    let observations = try resolve(state)
    let value = try primalBackward(state.loss, observations)  // reads λ_t before the dual step
    try dualStep(observations)
    try primalOptimizerStep()
    return RollOut(loss: state.loss, state: state, primalLagrangian: value)
  }

  func rollDualPrimal(_ computeState: () throws -> ProblemState) throws -> RollOut {
    let state = try computeState()
    let observations = try resolve(state)
    try dualStep(observations)
    let value = try primalBackward(state.loss, observations)  // reads λ_{t+1}
    try primalOptimizerStep()
    return RollOut(loss: state.loss, state: state, primalLagrangian: value)
  }

  func rollPrimalDual(_ computeState: () throws -> ProblemState,
                      _ computeViolations: (() throws -> ProblemState?)?) throws -> RollOut {
    let state = try computeState()
    let value = try primalBackward(state.loss, try resolve(state))
    try primalOptimizerStep()
    let measured = try Torch.withNoGrad { try computeViolations?() }
    if let measured, measured.loss != nil {
      throw ConstrainedError("computeViolations must leave the loss nil; the objective belongs to computeState")
    }
    let newState = try measured ?? Torch.withNoGrad { try computeState() }
    try dualStep(try resolve(newState))
    return RollOut(loss: newState.loss ?? state.loss, state: newState, primalLagrangian: value)
  }

  func rollExtragradient(_ computeState: () throws -> ProblemState) throws -> RollOut {
    let primalSnapshot = try PrimalSnapshot(primalOptimizers)
    let dualSnapshot = try DualSnapshot(constraints: constraints, optimizers: dualOptimizers)
    // Extrapolation from (x_t, λ_t).
    let state = try computeState()
    let observations = try resolve(state)
    _ = try primalBackward(state.loss, observations)
    try dualStep(observations)
    try primalOptimizerStep()
    // Gradients at the extrapolated point, applied from (x_t, λ_t).
    let lookahead = try computeState()
    let lookaheadObservations = try resolve(lookahead)
    let value = try primalBackward(lookahead.loss, lookaheadObservations)
    try primalSnapshot.restore()
    try dualSnapshot.restore()
    try dualStep(lookaheadObservations)
    try primalOptimizerStep()
    return RollOut(loss: lookahead.loss, state: lookahead, primalLagrangian: value)
  }
}
