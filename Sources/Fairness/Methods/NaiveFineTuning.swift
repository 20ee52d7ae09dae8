import NN
import Optim
import Torch

/// Naive fine-tuning (NFT, SPEC 5.1): the objective only, with no regard for groups.
public final class NaiveFineTuning: FineTuningMethod {
  public let objective: FineTuningObjective
  public let primal: any Optimizer
  public var model: any Module { objective.model }

  public init(objective: FineTuningObjective, primal: any Optimizer) {
    self.objective = objective
    self.primal = primal
  }

  @discardableResult
  public func step(inputs: Tensor, targets: Tensor, attributes: Tensor, mitigate: Bool) throws -> StepRecord {
    let f = try objective.evaluate(inputs: inputs, targets: targets)
    try primal.zeroGrad()
    try f.objective.backward()
    try primal.step()
    return StepRecord(loss: try f.meanLoss.item(), count: f.batch.globalCount)
  }

  public func multipliers() throws -> Tensor? { nil }
  public func state() throws -> [(name: String, tensor: Tensor)] { NamedTensors.prefixed(try primal.state(), with: "primal.") }
  public func loadState(_ state: [(name: String, tensor: Tensor)]) throws {
    try primal.loadState(NamedTensors.entries(state, under: "primal."))
  }
}
