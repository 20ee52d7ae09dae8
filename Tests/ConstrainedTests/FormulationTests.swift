import Constrained
import NN
import Torch
import XCTest

/// One step of each formulation against the hand formula, and the penalty updaters.
final class FormulationTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  /// Augmented Lagrangian, inequality, simultaneous order, x₀ = 3, λ₀ = 0.5, ρ = 2, η_x = 0.1, η_λ = 1:
  /// g̃ = 2, λ* = relu(0.5 + 2·2) = 4.5, ∇ₓ = 2(3 − 2) + 4.5 = 6.5 → x₁ = 2.35;
  /// primal Lagrangian (3−2)² + (4.5² − 0.5²)/(2·2) = 6; dual λ₁ = 0.5 + 2 = 2.5, scaled by ρ: 0.5 + 4 = 4.5.
  func testAugmentedLagrangianInequalityStep() throws {
    for (scaled, lambda1) in [(false, 2.5), (true, 4.5)] {
      let problem = try OneDimensionalProblem(x0: 3, lambda0: 0.5, formulation: .augmentedLagrangian(scaleDualByPenalty: scaled),
                                              penalty: 2)
      let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: 1)
      let (optimizer, _) = try makeOptimizer(problem, order: .simultaneous, primalLR: 0.1, dual: dual)
      let out = try optimizer.roll(problem, batch: ())
      XCTAssertEqual(try problem.xValue, 2.35, accuracy: 1e-6)
      XCTAssertEqual(try scalar(out.primalLagrangian!), 6, accuracy: 1e-6)
      XCTAssertEqual(try problem.lambda, lambda1, accuracy: 1e-6, "scaled: \(scaled)")
    }
  }

  /// Where λ + ρ g̃ < 0 the inequality term is flat: x₀ = 0, g̃ = −1, λ₀ = 0.5, ρ = 2 → λ* = 0,
  /// ∇ₓ = 2(0 − 2) = −4, x₁ = 0.4; value 4 + (0 − 0.25)/4 = 3.9375.
  func testAugmentedLagrangianInactiveInequality() throws {
    let problem = try OneDimensionalProblem(x0: 0, lambda0: 0.5, formulation: .augmentedLagrangian, penalty: 2)
    let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: 1)
    let (optimizer, _) = try makeOptimizer(problem, order: .simultaneous, primalLR: 0.1, dual: dual)
    let out = try optimizer.roll(problem, batch: ())
    XCTAssertEqual(try problem.xValue, 0.4, accuracy: 1e-6)
    XCTAssertEqual(try scalar(out.primalLagrangian!), 3.9375, accuracy: 1e-6)
    XCTAssertEqual(try problem.lambda, 0, accuracy: 0)  // relu(0.5 − 1)
  }

  /// Augmented Lagrangian, equality h = x − 1 at x₀ = 3 with μ₀ = −1, ρ = 2: value μh + ρh²/2 = −2 + 4 = 2,
  /// ∇ₓ h-term = μ + ρ h = 3.
  func testAugmentedLagrangianEqualityTerm() throws {
    let x = try Tensor([Float(3)]).requiringGrad()
    let constraint = try Constraint(name: "h", kind: .equality, formulation: .augmentedLagrangian,
                                    multiplier: Multiplier(kind: .equality, count: 1, initialValue: -1),
                                    penaltyCoefficient: PenaltyCoefficient(initialValue: 2))
    let optimizer = try ConstrainedOptimizer(constraints: [constraint], primal: [],
                                             dual: [DualSGD(multipliers: [constraint.multiplier!], learningRate: 1)],
                                             order: .simultaneous)
    let state = ProblemState(loss: nil, observed: [(constraint, try ConstraintState(violation: x - 1))])
    let value = try optimizer.primalLagrangian(state)!
    XCTAssertEqual(try scalar(value), 2, accuracy: 1e-6)
    try value.backward()
    XCTAssertEqual(try scalar(x.grad!), 3, accuracy: 1e-6)
  }

  /// Quadratic penalty: ½ρ relu(g̃)² for inequalities, ½ρ h̃² for equalities; no dual update.
  func testQuadraticPenaltyTerms() throws {
    let x = try Tensor([Float(3), -1]).requiringGrad()
    let ineq = try Constraint(name: "g", kind: .inequality, formulation: .quadraticPenalty,
                              penaltyCoefficient: PenaltyCoefficient(initialValue: 4))
    let eq = try Constraint(name: "h", kind: .equality, formulation: .quadraticPenalty,
                            penaltyCoefficient: PenaltyCoefficient(initialValues: Tensor([Float(1), 3])))
    let optimizer = try ConstrainedOptimizer(constraints: [ineq, eq], primal: [], dual: [], order: .alternatingDualPrimal)
    // g̃ = (2, −2): ½·4·(4 + 0) = 8; h̃ = (2, −2) with ρ = (1, 3): ½(4 + 12) = 8.
    let state = ProblemState(loss: nil, observed: [(ineq, try ConstraintState(violation: x - 1)),
                                                   (eq, try ConstraintState(violation: x - 1))])
    let value = try optimizer.primalLagrangian(state)!
    XCTAssertEqual(try scalar(value), 16, accuracy: 1e-6)
    try value.backward()
    // ∂/∂x: inequality 4·(2, 0) = (8, 0); equality (1·2, 3·(−2)) = (2, −6).
    try assertClose(x.grad!, [10, -6], atol: 1e-5)
  }

  /// Multiplicative updater, growth 2, tolerance 1e-3, restarts on: entries grow where the strict
  /// violation exceeds the tolerance and restart where an inequality is satisfied (relu = 0).
  func testMultiplicativePenaltyUpdater() throws {
    let rho = try PenaltyCoefficient(count: 3, initialValue: 1)
    let constraint = try Constraint(name: "g", kind: .inequality, formulation: .quadraticPenalty, penaltyCoefficient: rho)
    let updater = try MultiplicativePenaltyUpdater(growthFactor: 2, violationTolerance: 1e-3)
    func update(_ strict: [Float]) throws {
      let v = try Tensor(strict)
      try updater.step(ProblemState(loss: nil, observed: [(constraint, try ConstraintState(violation: v))]))
    }
    try update([0.5, 0.0001, 1])
    try assertClose(rho.values(), [2, 1, 2], atol: 1e-5)
    try update([0.5, 0.5, -3])  // entry 2 is feasible: back to 1
    try assertClose(rho.values(), [4, 2, 1], atol: 1e-5)
  }

  /// Additive updater on an indexed coefficient, equality (|h| measured, no restarts): only the
  /// strict indices change.
  func testAdditivePenaltyUpdaterOnIndexedEntries() throws {
    let multiplier = try Multiplier(kind: .equality, count: 4, access: .indexed)
    let rho = try PenaltyCoefficient(count: 4, initialValue: 1, access: .indexed)
    let constraint = try Constraint(name: "h", kind: .equality, formulation: .augmentedLagrangian, multiplier: multiplier,
                                    penaltyCoefficient: rho)
    let updater = try AdditivePenaltyUpdater(increment: 0.5, violationTolerance: 0.1)
    let state = try ConstraintState(violation: Tensor([Float(0), 0]), strictViolation: Tensor([Float(-0.2), 0.05]),
                                    indices: Tensor([Int64(0), 1]), strictIndices: Tensor([Int64(3), 2]))
    try updater.step(ProblemState(loss: nil, observed: [(constraint, state)]))
    try assertClose(rho.values(), [1, 1, 1, 1.5], atol: 1e-5)
  }

  /// A shared coefficient (one entry) is compared through the norm of the group's violation.
  func testSharedPenaltyUsesNorm() throws {
    let rho = try PenaltyCoefficient(initialValue: 1)
    let constraint = try Constraint(name: "g", kind: .inequality, formulation: .quadraticPenalty, penaltyCoefficient: rho)
    let updater = try MultiplicativePenaltyUpdater(growthFactor: 3, violationTolerance: 0.55)
    // relu → (0.3, 0.4, 0): norm 0.5, not above the tolerance; then (0.3, 0.5, 0): norm 0.58, above it.
    try updater.step(ProblemState(loss: nil, observed: [(constraint, try ConstraintState(violation: Tensor([Float(0.3), 0.4, -1])))]))
    try assertClose(rho.values(), [1], atol: 1e-5)
    try updater.step(ProblemState(loss: nil, observed: [(constraint, try ConstraintState(violation: Tensor([Float(0.3), 0.5, -1])))]))
    try assertClose(rho.values(), [3], atol: 1e-5)
  }
}
