import Constrained
import NN
import Optim
import Torch
import XCTest

/// Two steps of each order on min (x−2)² s.t. x − 1 <= 0 from x₀ = 3, λ₀ = 0, primal SGD
/// η_x = 0.1, dual SGD η_λ = 1, iterates computed by hand (∇ₓ = 2(x − 2) + λ, ∇_λ = x − 1).
final class UpdateOrderTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  func run(_ order: UpdateOrder, steps: Int = 2) throws -> [(x: Double, lambda: Double)] {
    let problem = try OneDimensionalProblem(x0: 3)
    let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: 1)
    let (optimizer, _) = try makeOptimizer(problem, order: order, primalLR: 0.1, dual: dual)
    return try (0..<steps).map { _ in
      try optimizer.roll(problem, batch: ())
      return (try problem.xValue, try problem.lambda)
    }
  }

  func assertIterates(_ got: [(x: Double, lambda: Double)], _ expected: [(Double, Double)], _ label: String,
                      file: StaticString = #filePath, line: UInt = #line) {
    for (k, (g, e)) in zip(got, expected).enumerated() {
      XCTAssertEqual(g.x, e.0, accuracy: 1e-6, "\(label) x_\(k + 1)", file: file, line: line)
      XCTAssertEqual(g.lambda, e.1, accuracy: 1e-6, "\(label) λ_\(k + 1)", file: file, line: line)
    }
  }

  /// Dual first (CEAG): λ₁ = 0 + (3 − 1) = 2, x₁ = 3 − 0.1(2·1 + 2) = 2.6;
  /// λ₂ = 2 + 1.6 = 3.6, x₂ = 2.6 − 0.1(2·0.6 + 3.6) = 2.12.
  func testAlternatingDualPrimalByHand() throws {
    assertIterates(try run(.alternatingDualPrimal), [(2.6, 2), (2.12, 3.6)], "dual-primal")
  }

  /// Primal first, dual at the new point: x₁ = 3 − 0.1(2 + 0) = 2.8, λ₁ = 0 + 1.8 = 1.8;
  /// x₂ = 2.8 − 0.1(1.6 + 1.8) = 2.46, λ₂ = 1.8 + 1.46 = 3.26.
  func testAlternatingPrimalDualByHand() throws {
    assertIterates(try run(.alternatingPrimalDual), [(2.8, 1.8), (2.46, 3.26)], "primal-dual")
  }

  /// Both at the same point: x₁ = 2.8, λ₁ = 2; x₂ = 2.8 − 0.1(1.6 + 2) = 2.44, λ₂ = 2 + 1.8 = 3.8.
  func testSimultaneousByHand() throws {
    assertIterates(try run(.simultaneous), [(2.8, 2), (2.44, 3.8)], "simultaneous")
  }

  /// Extrapolate to (2.8, 2), gradients there (3.6, 1.8) applied from (3, 0): (2.64, 1.8);
  /// extrapolate to (2.332, 3.44), gradients (4.104, 1.332): x₂ = 2.2296, λ₂ = 3.132.
  func testExtragradientByHand() throws {
    assertIterates(try run(.extragradient), [(2.64, 1.8), (2.2296, 3.132)], "extragradient")
  }

  /// Alternating primal-dual re-measures only the violations when `computeViolations` is given,
  /// and rejects a violations-only state that carries a loss.
  func testPrimalDualUsesComputeViolations() throws {
    let problem = try OneDimensionalProblem(x0: 3)
    let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: 1)
    let (optimizer, _) = try makeOptimizer(problem, order: .alternatingPrimalDual, primalLR: 0.1, dual: dual)
    var violationCalls = 0
    let violations = { () throws -> ProblemState? in
      violationCalls += 1
      XCTAssertFalse(Torch.isGradEnabled)
      let g = try problem.x - 1
      return ProblemState(loss: nil, observed: [(problem.constraint, try ConstraintState(violation: g))])
    }
    try optimizer.roll(computeState: { try problem.computeState(()) }, computeViolations: violations)
    XCTAssertEqual(problem.stateCalls, 1)
    XCTAssertEqual(violationCalls, 1)
    XCTAssertEqual(try problem.lambda, 1.8, accuracy: 1e-6)
    assertThrows(ConstrainedError.self, "must leave the loss nil") {
      try optimizer.roll(computeState: { try problem.computeState(()) },
                         computeViolations: { try problem.computeState(()) })
    }
  }

  /// The dual-primal order evaluates once per step; extragradient twice.
  func testEvaluationCounts() throws {
    for (order, calls) in [(UpdateOrder.alternatingDualPrimal, 1), (.simultaneous, 1), (.alternatingPrimalDual, 2),
                           (.extragradient, 2)] {
      let problem = try OneDimensionalProblem(x0: 3)
      let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: 1)
      let (optimizer, _) = try makeOptimizer(problem, order: order, primalLR: 0.1, dual: dual)
      try optimizer.roll(problem, batch: ())
      XCTAssertEqual(problem.stateCalls, calls, "\(order)")
    }
  }

  /// Extragradient undoes the extrapolation's optimizer state: with primal momentum the kept step
  /// is one momentum step from the extrapolated gradient. x₀ = 3, λ₀ = 0, η_x = 0.1, μ = 0.9, η_λ = 1:
  /// extrapolation to (2.8, 2); gradient there 2·0.8 + 2 = 3.6 becomes the first momentum buffer,
  /// x₁ = 3 − 0.36 = 2.64 (a second, un-undone momentum step would have given 3 − 0.1(0.9·2 + 3.6) = 2.46).
  func testExtragradientRestoresPrimalOptimizerState() throws {
    let problem = try OneDimensionalProblem(x0: 3)
    let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: 1)
    let sgd = try SGD(parameters: [problem.x], learningRate: 0.1, momentum: 0.9)
    let optimizer = try ConstrainedOptimizer(constraints: problem.constraints, primal: [sgd], dual: [dual],
                                             order: .extragradient)
    try optimizer.roll(problem, batch: ())
    XCTAssertEqual(try problem.xValue, 2.64, accuracy: 1e-6)
    XCTAssertEqual(try problem.lambda, 1.8, accuracy: 1e-6)
    let buffer = try sgd.state().first { $0.name == "state.0.momentum_buffer" }?.tensor
    XCTAssertEqual(try buffer.map(scalar) ?? .nan, 3.6, accuracy: 1e-6)
  }

  /// Steps allocate no tensors that outlive them (the shim's live-handle count is stable).
  func testNoTensorLeaks() throws {
    for order in allOrders {
      let problem = try OneDimensionalProblem(x0: 3)
      let dual = try NuPI(multipliers: [problem.constraint.multiplier!], learningRate: 0.5, kp: 1)
      let sgd = try SGD(parameters: [problem.x], learningRate: 0.1, momentum: 0.9)
      let optimizer = try ConstrainedOptimizer(constraints: problem.constraints, primal: [sgd], dual: [dual], order: order)
      for _ in 0..<3 { try optimizer.roll(problem, batch: ()) }
      let live = Torch.liveTensorCount
      for _ in 0..<10 { try optimizer.roll(problem, batch: ()) }
      XCTAssertEqual(Torch.liveTensorCount, live, "\(order)")
    }
  }
}
