import Constrained
import NN
import Torch
import XCTest

/// Proxy constraints (Cotter et al. 2019): the multiplier moves with the strict violation, the
/// primal gradient with the proxy.
final class ProxyStrictTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  /// Proxy g̃ = 3(x − 1), strict g = −0.25 (a value the proxy never takes here), x₀ = 3, λ₀ = 0.5,
  /// dual-primal order, η_λ = 1, η_x = 0.1.
  /// Dual: λ₁ = relu(0.5 − 0.25) = 0.25 (the proxy, 6, would have given 6.5).
  /// Primal: ∇ₓ = 2(3 − 2) + λ₁·3 = 2.75 (the proxy's slope 3), x₁ = 3 − 0.275 = 2.725.
  func testMultiplierFollowsStrictAndPrimalFollowsProxy() throws {
    let problem = try OneDimensionalProblem(x0: 3, lambda0: 0.5)
    problem.proxyScale = 3
    problem.fixedStrict = -0.25
    let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: 1)
    let (optimizer, _) = try makeOptimizer(problem, order: .alternatingDualPrimal, primalLR: 0.1, dual: dual)
    try optimizer.roll(problem, batch: ())
    XCTAssertEqual(try problem.lambda, 0.25, accuracy: 1e-6)
    XCTAssertEqual(try scalar(problem.x.grad!), 2.75, accuracy: 1e-6)
    XCTAssertEqual(try problem.xValue, 2.725, accuracy: 1e-6)
  }

  /// Opposite signs: proxy 3(0.5 − 1) = −1.5 < 0 but strict 0.4 > 0. λ₁ = 0.5 + 0.4 = 0.9;
  /// ∇ₓ = 2(0.5 − 2) + 0.9·3 = −0.3, x₁ = 0.53.
  func testStrictViolationDrivesMultiplierUpWhileProxyIsFeasible() throws {
    let problem = try OneDimensionalProblem(x0: 0.5, lambda0: 0.5)
    problem.proxyScale = 3
    problem.fixedStrict = 0.4
    let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: 1)
    let (optimizer, _) = try makeOptimizer(problem, order: .alternatingDualPrimal, primalLR: 0.1, dual: dual)
    try optimizer.roll(problem, batch: ())
    XCTAssertEqual(try problem.lambda, 0.9, accuracy: 1e-6)
    XCTAssertEqual(try problem.xValue, 0.53, accuracy: 1e-6)
  }

  /// Strict g = x − 1.2, proxy g̃ = x − 1: the dual stops where the *strict* violation vanishes,
  /// x = 1.2, and primal stationarity 2(x − 2) + λ = 0 gives λ = 1.6 (not the proxy's x = 1, λ = 2).
  func testFixedPointIsSetByStrictViolation() throws {
    let problem = try OneDimensionalProblem(x0: 0)
    problem.strictShift = 0.2
    let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: 0.5)
    let (optimizer, _) = try makeOptimizer(problem, order: .alternatingDualPrimal, primalLR: 0.1, dual: dual)
    for _ in 0..<300 { try optimizer.roll(problem, batch: ()) }
    XCTAssertEqual(try problem.xValue, 1.2, accuracy: 1e-4)
    XCTAssertEqual(try problem.lambda, 1.6, accuracy: 1e-4)
  }

  /// `contributesToDualUpdate = false` freezes the multiplier; `contributesToPrimalUpdate = false`
  /// leaves the objective alone in the primal Lagrangian. x₀ = 3, λ₀ = 0.5, η = 0.1, η_λ = 1.
  func testContributionFlags() throws {
    let problem = try OneDimensionalProblem(x0: 3, lambda0: 0.5)
    let dual = try DualSGD(multipliers: [problem.constraint.multiplier!], learningRate: 1)
    let (optimizer, _) = try makeOptimizer(problem, order: .alternatingDualPrimal, primalLR: 0.1, dual: dual)
    func step(primal: Bool, dual: Bool) throws -> RollOut {
      try optimizer.roll(computeState: {
        var state = try problem.computeState(())
        state.observed[0].state.contributesToPrimalUpdate = primal
        state.observed[0].state.contributesToDualUpdate = dual
        return state
      })
    }
    // Dual frozen: λ stays 0.5; ∇ₓ = 2(3 − 2) + 0.5 = 2.5 → x = 2.75.
    _ = try step(primal: true, dual: false)
    XCTAssertEqual(try problem.lambda, 0.5, accuracy: 0)
    XCTAssertEqual(try problem.xValue, 2.75, accuracy: 1e-6)
    // Primal ignores the constraint: λ = 0.5 + 1.75 = 2.25, ∇ₓ = 2(0.75) = 1.5 → x = 2.6; L_θ = f = 0.5625.
    let out = try step(primal: false, dual: true)
    XCTAssertEqual(try problem.lambda, 2.25, accuracy: 1e-6)
    XCTAssertEqual(try problem.xValue, 2.6, accuracy: 1e-6)
    XCTAssertEqual(try scalar(out.primalLagrangian!), 0.5625, accuracy: 1e-6)
  }
}
