import NN
import Torch

/// A fine-tuning method (SPEC 2 and 5): what one training step on a minibatch does, and the state
/// it must checkpoint. `NaiveFineTuning`, `EqualizedLoss` and `CEAG` conform; a pipeline (or a
/// library user's own loop) drives any of them through this protocol.
public protocol FineTuningMethod: AnyObject {
  /// The model being fine-tuned (trained in place).
  var model: any Module { get }
  /// One step on a batch. With `mitigate == false` (GMP epochs, SPEC 2.8) every method takes a
  /// plain objective step and neither buffers nor multipliers change.
  @discardableResult
  func step(inputs: Tensor, targets: Tensor, attributes: Tensor, mitigate: Bool) throws -> StepRecord
  /// The current Lagrange multipliers (a copy), or nil for an unconstrained method.
  func multipliers() throws -> Tensor?
  /// Everything needed to resume: optimizer state, multipliers, replay buffers.
  func state() throws -> [(name: String, tensor: Tensor)]
  /// Restores what `state()` returned.
  func loadState(_ state: [(name: String, tensor: Tensor)]) throws
  /// Called before each epoch with the schedule's target sparsity, for methods that choose their
  /// own masks (BiFP); the others ignore it.
  func beginEpoch(_ epoch: Int, targetSparsity: Double) throws
}

extension FineTuningMethod {
  public func beginEpoch(_ epoch: Int, targetSparsity: Double) throws {}
}

/// What one step measured (SPEC 7.5's per-step log).
public struct StepRecord: Sendable, Equatable {
  /// Mean cross-entropy of the batch (without the L2 term).
  public var loss: Double
  /// Samples in the batch.
  public var count: Int
  /// Primal Lagrangian f + Σ λ_g ψ̃_g that was differentiated; nil for objective-only steps.
  public var lagrangian: Double?
  /// Largest and summed multiplier after the dual step; nil for objective-only steps.
  public var multiplierMax: Double?
  public var multiplierSum: Double?
  /// Number of constraints measured for the dual step and the largest strict violation among them.
  public var measured: Int?
  public var maxViolation: Double?

  public init(loss: Double, count: Int) {
    self.loss = loss
    self.count = count
  }
}
