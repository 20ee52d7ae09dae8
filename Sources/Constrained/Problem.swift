import Torch

/// The objective and the constraint measurements of one batch (Cooper's `CMPState`).
public struct ProblemState {
  /// The objective `f`, a scalar with a graph; nil when only violations were measured.
  public var loss: Tensor?
  /// The constraint groups this batch observed, each with its measurements, in a fixed order.
  public var observed: [(constraint: Constraint, state: ConstraintState)]

  /// A state with objective `loss` and the observed constraint groups.
  public init(loss: Tensor?, observed: [(constraint: Constraint, state: ConstraintState)] = []) {
    self.loss = loss
    self.observed = observed
  }
}

/// A constrained learning problem `min f(x) s.t. g(x) <= 0, h(x) = 0` (Cooper's
/// `ConstrainedMinimizationProblem`): it declares its constraint groups and measures them per batch.
public protocol ConstrainedProblem: AnyObject {
  /// Whatever one evaluation needs (a minibatch, or `Void`).
  associatedtype Batch
  /// Every constraint group, in a fixed order (checkpoint names follow it).
  var constraints: [Constraint] { get }
  /// Objective and constraint states at the current primal point.
  func computeState(_ batch: Batch) throws -> ProblemState
  /// Only the violations at the current primal point (the loss left nil), for the second
  /// evaluation of `.alternatingPrimalDual`; nil (the default) means "call `computeState` again".
  func computeViolations(_ batch: Batch) throws -> ProblemState?
}

extension ConstrainedProblem {
  public func computeViolations(_ batch: Batch) throws -> ProblemState? { nil }
}
