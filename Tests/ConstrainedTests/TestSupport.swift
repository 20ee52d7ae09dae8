import Constrained
import NN
import Optim
import Torch
@_exported import TestSupport
import XCTest

func scalar(_ t: Tensor) throws -> Double { try t.reshaped([-1]).toArray(Double.self)[0] }

/// minimize (x − 2)² subject to x − 1 <= 0: KKT point x = 1, λ = 2.
/// The proxy may be scaled (`proxyScale`) and the strict violation shifted (`strictShift`) or replaced.
final class OneDimensionalProblem: ConstrainedProblem {
  typealias Batch = Void
  let x: Tensor
  let constraint: Constraint
  var proxyScale = 1.0
  var strictShift: Double?
  var fixedStrict: Double?
  private(set) var stateCalls = 0

  init(x0: Double, constraint: Constraint) throws {
    x = try Tensor([Float(x0)]).requiringGrad()
    self.constraint = constraint
  }

  convenience init(x0: Double, lambda0: Double = 0, formulation: Formulation = .lagrangian,
                   penalty: Double? = nil) throws {
    let multiplier = formulation.expectsMultiplier
      ? try Multiplier(kind: .inequality, count: 1, initialValue: lambda0) : nil
    let rho = try penalty.map { try PenaltyCoefficient(initialValue: $0) }
    try self.init(x0: x0, constraint: Constraint(name: "x_le_1", kind: .inequality, formulation: formulation,
                                                   multiplier: multiplier, penaltyCoefficient: rho))
  }

  var constraints: [Constraint] { [constraint] }
  var lambda: Double { get throws { try scalar(constraint.multiplier!.values()) } }
  var xValue: Double { get throws { try scalar(x) } }

  func computeState(_: Void) throws -> ProblemState {
    stateCalls += 1
    let loss = try (x - 2).square().sum()
    let proxy = try (x - 1) * proxyScale
    var strict: Tensor?
    if let fixedStrict { strict = try Tensor([Float(fixedStrict)]) }
    if let strictShift { strict = try (x.detached() - 1) - strictShift }
    return ProblemState(loss: loss, observed: [(constraint, try ConstraintState(violation: proxy, strictViolation: strict))])
  }
}

/// Builds the constrained optimizer for a one-dimensional problem with primal SGD.
func makeOptimizer(_ problem: OneDimensionalProblem, order: UpdateOrder, primalLR: Double, dual: DualOptimizer?)
  throws -> (ConstrainedOptimizer, SGD) {
  let sgd = try SGD(parameters: [problem.x], learningRate: primalLR)
  let optimizer = try ConstrainedOptimizer(constraints: problem.constraints, primal: [sgd],
                                           dual: dual.map { [$0] } ?? [], order: order)
  return (optimizer, sgd)
}

let allOrders: [UpdateOrder] = [.simultaneous, .alternatingPrimalDual, .alternatingDualPrimal, .extragradient]
