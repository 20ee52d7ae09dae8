import Constrained
import NN
import Optim
import Torch
import XCTest

/// Indexed multipliers read and update only the observed entries.
final class IndexedMultiplierTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  /// Multiplier λ = (1, 2, 3, 4, 5); proxy g̃ᵢ = pᵢ on indices {1, 3}; strict violations (0.5, −10) on
  /// strict indices {3, 4}; dual-primal order, η_λ = 1, primal SGD η = 1, no objective.
  /// Dual: λ₃ = 4 + 0.5 = 4.5, λ₄ = relu(5 − 10) = 0; λ₀, λ₁, λ₂ untouched.
  /// Primal: ∇p = (0, λ₁, 0, λ₃, 0) = (0, 2, 0, 4.5, 0): λ₀ = 1, λ₂ = 3, λ₄ are never read.
  func testOnlyObservedEntriesAreReadAndUpdated() throws {
    let p = try Tensor.zeros([5]).requiringGrad()
    let multiplier = try Multiplier(kind: .inequality, initialValues: Tensor([Float(1), 2, 3, 4, 5]), access: .indexed)
    let constraint = try Constraint(name: "groups", kind: .inequality, multiplier: multiplier)
    let optimizer = try ConstrainedOptimizer(constraints: [constraint], primal: [SGD(parameters: [p], learningRate: 1)],
                                             dual: [DualSGD(multipliers: [multiplier], learningRate: 1)],
                                             order: .alternatingDualPrimal)
    let observed = try Tensor([Int64(1), 3]), strictObserved = try Tensor([Int64(3), 4])
    let rollOut = try optimizer.roll(computeState: {
      let state = try ConstraintState(violation: p.indexSelect(dim: 0, index: observed),
                                      strictViolation: Tensor([Float(0.5), -10]), indices: observed,
                                      strictIndices: strictObserved)
      return ProblemState(loss: nil, observed: [(constraint, state)])
    })
    try assertClose(multiplier.values(), [1, 2, 3, 4.5, 0], atol: 0)
    try assertClose(p.grad!, [0, 2, 0, 4.5, 0], atol: 0)
    try assertClose(p, [0, -2, 0, -4.5, 0], atol: 0)
    XCTAssertEqual(try scalar(rollOut.primalLagrangian!), 0)  // λᵀ p at p = 0
  }

  /// Lazy momentum: the buffer of an unobserved entry neither decays nor moves λ.
  /// μ = 0.9, η = 1, λ₀ = 0. Step 1 on {0, 1}, g = (1, 2): b = (1, 2), λ = (1, 2, 0).
  /// Step 2 on {1, 2}, g = (1, 1): b₁ = 0.9·2 + 1 = 2.8, b₂ = 1 (first update), λ = (1, 4.8, 1).
  /// Step 3 on {0}, g = 0: b₀ = 0.9·1 = 0.9, λ₀ = 1.9.
  func testIndexedMomentumTouchesOnlyObservedEntries() throws {
    let multiplier = try Multiplier(kind: .inequality, count: 3, access: .indexed)
    let constraint = try Constraint(name: "c", kind: .inequality, multiplier: multiplier)
    let optimizer = try ConstrainedOptimizer(constraints: [constraint], primal: [],
                                             dual: [DualSGD(multipliers: [multiplier], learningRate: 1, momentum: 0.9)],
                                             order: .alternatingDualPrimal)
    func observe(_ indices: [Int64], _ values: [Float]) throws {
      let state = try ConstraintState(violation: Tensor(values), indices: Tensor(indices))
      try optimizer.dualStep(using: ProblemState(loss: nil, observed: [(constraint, state)]))
    }
    try observe([0, 1], [1, 2])
    try assertClose(multiplier.values(), [1, 2, 0], atol: 1e-5)
    try observe([1, 2], [1, 1])
    try assertClose(multiplier.values(), [1, 4.8, 1], atol: 1e-5)
    try observe([0], [0])
    try assertClose(multiplier.values(), [1.9, 4.8, 1], atol: 1e-5)
  }

  /// Equality multipliers are not projected: they follow the violation below zero.
  func testEqualityMultipliersAreFree() throws {
    let multiplier = try Multiplier(kind: .equality, count: 4, access: .indexed, initialValue: -1)
    let constraint = try Constraint(name: "h", kind: .equality, multiplier: multiplier)
    let optimizer = try ConstrainedOptimizer(constraints: [constraint], primal: [],
                                             dual: [DualSGD(multipliers: [multiplier], learningRate: 0.5)],
                                             order: .simultaneous)
    let state = try ConstraintState(violation: Tensor([Float(-2), 4]), indices: Tensor([Int64(2), 0]))
    try optimizer.dualStep(using: ProblemState(loss: nil, observed: [(constraint, state)]))
    try assertClose(multiplier.values(), [1, -1, -2, -1], atol: 1e-5)
  }

  /// Dual restarts: an observed, strictly feasible inequality entry goes back to its initial value and
  /// the dual optimizer forgets its momentum; unobserved and violated entries are kept.
  /// λ₀ = 0.5 everywhere, μ = 0.5, η = 1. Step 1 on {0, 1, 2}, g = (1, 1, 1): λ = (1.5, 1.5, 1.5, 0.5).
  /// Step 2 on {0, 1}, g = (−0.2, 2): entry 0 is feasible → 0.5 (momentum reset); entry 1: b = 0.5 + 2 = 2.5,
  /// λ₁ = 4. Step 3 on {0}, g = 1: first update again, λ₀ = 0.5 + 1 = 1.5.
  func testRestartOnFeasibleResetsValueAndState() throws {
    let multiplier = try Multiplier(kind: .inequality, count: 4, access: .indexed, initialValue: 0.5,
                                    restartOnFeasible: true)
    let constraint = try Constraint(name: "c", kind: .inequality, multiplier: multiplier)
    let optimizer = try ConstrainedOptimizer(constraints: [constraint], primal: [],
                                             dual: [DualSGD(multipliers: [multiplier], learningRate: 1, momentum: 0.5)],
                                             order: .alternatingDualPrimal)
    func observe(_ indices: [Int64], _ values: [Float]) throws {
      let state = try ConstraintState(violation: Tensor(values), indices: Tensor(indices))
      try optimizer.dualStep(using: ProblemState(loss: nil, observed: [(constraint, state)]))
    }
    try observe([0, 1, 2], [1, 1, 1])
    try assertClose(multiplier.values(), [1.5, 1.5, 1.5, 0.5], atol: 1e-5)
    try observe([0, 1], [-0.2, 2])
    try assertClose(multiplier.values(), [0.5, 4, 1.5, 0.5], atol: 1e-5)
    try observe([0], [1])
    try assertClose(multiplier.values(), [1.5, 4, 1.5, 0.5], atol: 1e-5)
  }
}
