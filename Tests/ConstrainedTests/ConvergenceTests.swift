import Constrained
import NN
import Optim
import Torch
import XCTest

/// Convergence to solutions known in closed form.
final class ConvergenceTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  /// min (x−2)² s.t. x <= 1 → x = 1, λ = 2 (stationarity 2(x − 2) + λ = 0), for every update order.
  func testScalarProblemConvergesToKKTPointWithEveryOrder() throws {
    for order in allOrders {
      let problem = try OneDimensionalProblem(x0: 0)
      let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: 0.5)
      let (optimizer, _) = try makeOptimizer(problem, order: order, primalLR: 0.1, dual: dual)
      for _ in 0..<300 { try optimizer.roll(problem, batch: ()) }
      XCTAssertEqual(try problem.xValue, 1, accuracy: 1e-4, "\(order)")
      XCTAssertEqual(try problem.lambda, 2, accuracy: 1e-4, "\(order)")
    }
  }

  /// Same problem with nuPI as the dual optimizer.
  func testScalarProblemConvergesWithNuPI() throws {
    for order in allOrders {
      let problem = try OneDimensionalProblem(x0: 0)
      let dual = try NuPI(multipliers: [problem.constraint.multiplier!], learningRate: 0.5, kp: 1, ki: 1)
      let (optimizer, _) = try makeOptimizer(problem, order: order, primalLR: 0.1, dual: dual)
      for _ in 0..<300 { try optimizer.roll(problem, batch: ()) }
      XCTAssertEqual(try problem.xValue, 1, accuracy: 1e-4, "\(order)")
      XCTAssertEqual(try problem.lambda, 2, accuracy: 1e-4, "\(order)")
    }
  }

  /// The augmented Lagrangian has the same KKT point, with either dual scaling.
  func testAugmentedLagrangianConverges() throws {
    for scaled in [false, true] {
      let problem = try OneDimensionalProblem(x0: 0, formulation: .augmentedLagrangian(scaleDualByPenalty: scaled),
                                              penalty: 2)
      let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: scaled ? 0.25 : 0.5)
      let (optimizer, _) = try makeOptimizer(problem, order: .alternatingDualPrimal, primalLR: 0.1, dual: dual)
      for _ in 0..<300 { try optimizer.roll(problem, batch: ()) }
      XCTAssertEqual(try problem.xValue, 1, accuracy: 1e-4, "scaled: \(scaled)")
      XCTAssertEqual(try problem.lambda, 2, accuracy: 1e-4, "scaled: \(scaled)")
    }
  }

  /// Quadratic penalty c: min (x−2)² + (c/2) relu(x−1)² → 2(x−2) + c(x−1) = 0 → x = (4 + c)/(2 + c).
  func testQuadraticPenaltyConvergesToPenalizedMinimum() throws {
    let c = 10.0
    let problem = try OneDimensionalProblem(x0: 0, formulation: .quadraticPenalty, penalty: c)
    let (optimizer, _) = try makeOptimizer(problem, order: .simultaneous, primalLR: 0.05, dual: nil)
    for _ in 0..<400 { try optimizer.roll(problem, batch: ()) }
    XCTAssertEqual(try problem.xValue, (4 + c) / (2 + c), accuracy: 1e-5)
  }

  /// min ‖p − (3, 3, 0)‖² s.t. x <= 1, y <= 0.5, −z − 2 <= 0, x + y + z = 1.
  /// KKT: p = (1, 0.5, −0.5), λ = (3, 4, 0), μ = 1 (from 2(p − a) + λ₁e₁ + λ₂e₂ − λ₃e₃ + μ𝟙 = 0).
  func testInequalitiesAndEqualityConvergeToKKTPoint() throws {
    for order in allOrders {
      let p = try Tensor.zeros([3]).requiringGrad()
      let target = try Tensor([Float(3), 3, 0])
      let bounds = try Constraint(name: "bounds", kind: .inequality, multiplier: Multiplier(kind: .inequality, count: 3))
      let sum = try Constraint(name: "sum", kind: .equality, multiplier: Multiplier(kind: .equality, count: 1))
      let sign = try Tensor([Float(1), 1, -1]), offset = try Tensor([Float(-1), -0.5, -2])
      let compute = { () throws -> ProblemState in
        let loss = try (p - target).square().sum()
        let g = try p * sign + offset
        let h = try p.sum() - 1
        return ProblemState(loss: loss, observed: [(bounds, try ConstraintState(violation: g)),
                                                   (sum, try ConstraintState(violation: h))])
      }
      let dual = try DualSGD(multipliers: [bounds.multiplier!, sum.multiplier!], learningRate: 0.3)
      let optimizer = try ConstrainedOptimizer(constraints: [bounds, sum], primal: [SGD(parameters: [p], learningRate: 0.1)],
                                               dual: [dual], order: order)
      for _ in 0..<600 { try optimizer.roll(computeState: compute) }
      try assertClose(p, [1, 0.5, -0.5], atol: 1e-4, "\(order)")
      try assertClose(bounds.multiplier!.values(), [3, 4, 0], atol: 1e-4, "\(order)")
      try assertClose(sum.multiplier!.values(), [1], atol: 1e-4, "\(order)")
    }
  }
}
