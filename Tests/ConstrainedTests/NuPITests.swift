import Constrained
import NN
import Torch
import XCTest

/// nuPI: ξ_t = ν ξ_{t−1} + (1 − ν) e_t, λ_{t+1} = λ_t + η (K_I e_t + K_P (ξ_t − ξ_{t−1})).
final class NuPITests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  /// Feeds the errors to a one-entry equality multiplier (no projection) and returns the iterates.
  func iterates(_ errors: [Float], _ makeDual: (Multiplier) throws -> DualOptimizer) throws -> [Double] {
    let multiplier = try Multiplier(kind: .equality, count: 1)
    let constraint = try Constraint(name: "h", kind: .equality, multiplier: multiplier)
    let optimizer = try ConstrainedOptimizer(constraints: [constraint], primal: [], dual: [makeDual(multiplier)],
                                             order: .alternatingDualPrimal)
    return try errors.map { e in
      let state = try ConstraintState(violation: Tensor([e]))
      try optimizer.dualStep(using: ProblemState(loss: nil, observed: [(constraint, state)]))
      return try scalar(multiplier.values())
    }
  }

  /// η = 0.1, K_P = 2, K_I = 1, ν = 0.5, errors (1, −2, 0.5), ξ_{−1} = e₀ = 1:
  /// ξ₀ = 1, λ₁ = 0.1·1 = 0.1; ξ₁ = −0.5, λ₂ = 0.1 + 0.1(−2 + 2(−1.5)) = −0.4;
  /// ξ₂ = 0, λ₃ = −0.4 + 0.1(0.5 + 2·0.5) = −0.25.
  func testSGDInitializationByHand() throws {
    let got = try iterates([1, -2, 0.5]) { try NuPI(multipliers: [$0], learningRate: 0.1, kp: 2, ki: 1, nu: 0.5) }
    for (g, e) in zip(got, [0.1, -0.4, -0.25]) { XCTAssertEqual(g, e, accuracy: 1e-6) }
  }

  /// Same with ξ_{−1} = 0: ξ₀ = 0.5, λ₁ = 0.1(1 + 2·0.5) = 0.2; ξ₁ = −0.75, λ₂ = 0.2 + 0.1(−2 + 2(−1.25)) = −0.25.
  func testZeroInitializationByHand() throws {
    let got = try iterates([1, -2]) {
      try NuPI(multipliers: [$0], learningRate: 0.1, kp: 2, ki: 1, nu: 0.5, initialization: .zeros)
    }
    for (g, e) in zip(got, [0.2, -0.25]) { XCTAssertEqual(g, e, accuracy: 1e-6) }
  }

  /// nuPI(K_P = 0, K_I = 1, ν = 0) is plain SGD, bit for bit.
  func testReducesToSGD() throws {
    let errors: [Float] = [0.3, -1.7, 2.25, 0.01]
    let pi = try iterates(errors) { try NuPI(multipliers: [$0], learningRate: 0.37) }
    let sgd = try iterates(errors) { try DualSGD(multipliers: [$0], learningRate: 0.37) }
    XCTAssertEqual(pi, sgd)
  }

  /// On min (x−2)² s.t. x <= 1 from x₀ = 0 (dual-primal, η_x = 0.05, η_λ = 1), plain gradient ascent
  /// overshoots λ* = 2 to about 2.95 and oscillates; nuPI with K_P = 5 stays within 0.05 of λ* and is
  /// closer to it after 60 steps.
  func testNuPIDampsTheOscillationOfGradientAscent() throws {
    func trajectory(_ makeDual: (Multiplier) throws -> DualOptimizer) throws -> [Double] {
      let problem = try OneDimensionalProblem(x0: 0)
      let (optimizer, _) = try makeOptimizer(problem, order: .alternatingDualPrimal, primalLR: 0.05,
                                             dual: makeDual(problem.constraint.multiplier!))
      return try (0..<60).map { _ in
        try optimizer.roll(problem, batch: ())
        return try problem.lambda
      }
    }
    let ascent = try trajectory { try DualSGD(multipliers: [$0], learningRate: 1) }
    let pi = try trajectory { try NuPI(multipliers: [$0], learningRate: 1, kp: 5, ki: 1) }
    func overshoot(_ lambdas: [Double]) -> Double { lambdas.max()! - 2 }
    XCTAssertGreaterThan(overshoot(ascent), 0.9)
    XCTAssertLessThan(overshoot(pi), 0.05)
    // Gradient ascent crosses λ* = 2 repeatedly; nuPI settles.
    func crossings(_ lambdas: [Double]) -> Int {
      var count = 0
      for k in 1..<lambdas.count where (lambdas[k - 1] - 2) * (lambdas[k] - 2) < 0 { count += 1 }
      return count
    }
    XCTAssertGreaterThanOrEqual(crossings(ascent), 2)
    XCTAssertLessThan(Swift.abs(pi.last! - 2), Swift.abs(ascent.last! - 2))
  }

  /// Sparse variant: ξ is kept only for observed entries; an entry's first observation uses ξ_{−1} = e₀
  /// even after other entries were updated. η = 1, K_P = 1, K_I = 1, ν = 0.
  /// Step 1 on {0}, e = 1: λ₀ = 1, ξ₀ = 1. Step 2 on {0, 1}, e = (3, 2): λ₀ = 1 + 3 + (3 − 1) = 6,
  /// λ₁ = 2 (first update: SGD).
  func testIndexedNuPIKeepsStatePerEntry() throws {
    let multiplier = try Multiplier(kind: .inequality, count: 3, access: .indexed)
    let constraint = try Constraint(name: "c", kind: .inequality, multiplier: multiplier)
    let optimizer = try ConstrainedOptimizer(constraints: [constraint], primal: [],
                                             dual: [NuPI(multipliers: [multiplier], learningRate: 1, kp: 1, ki: 1)],
                                             order: .alternatingDualPrimal)
    func observe(_ indices: [Int64], _ values: [Float]) throws {
      let state = try ConstraintState(violation: Tensor(values), indices: Tensor(indices))
      try optimizer.dualStep(using: ProblemState(loss: nil, observed: [(constraint, state)]))
    }
    try observe([0], [1])
    try assertClose(multiplier.values(), [1, 0, 0], atol: 1e-5)
    try observe([0, 1], [3, 2])
    try assertClose(multiplier.values(), [6, 2, 0], atol: 1e-5)
  }
}
