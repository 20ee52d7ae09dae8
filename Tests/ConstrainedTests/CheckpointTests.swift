import Constrained
import NN
import Optim
import Torch
import XCTest

/// Multiplier, penalty and optimizer state round-trips, and a resumed run continues bitwise identically.
final class CheckpointTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  /// A small problem touching every stateful part: Adam on p ∈ R⁴, an indexed inequality group whose
  /// observed set changes with the step (nuPI), a dense equality group (SGD with momentum) and an
  /// augmented-Lagrangian group with a growing penalty.
  final class Setup {
    let p: Tensor
    let groups: Constraint, balance: Constraint, cap: Constraint
    let optimizer: ConstrainedOptimizer

    init(seed: Float) throws {
      p = try Tensor([seed, -seed, 0.5 * seed, 2]).requiringGrad()
      groups = try Constraint(name: "groups", kind: .inequality,
                              multiplier: Multiplier(kind: .inequality, count: 4, access: .indexed, restartOnFeasible: true))
      balance = try Constraint(name: "balance", kind: .equality, multiplier: Multiplier(kind: .equality, count: 1))
      cap = try Constraint(name: "cap", kind: .inequality, formulation: .augmentedLagrangian,
                           multiplier: Multiplier(kind: .inequality, count: 1),
                           penaltyCoefficient: PenaltyCoefficient(initialValue: 0.5))
      optimizer = try ConstrainedOptimizer(
        constraints: [groups, balance, cap], primal: [Adam(parameters: [p], learningRate: 0.05)],
        dual: [NuPI(multipliers: [groups.multiplier!], learningRate: 0.2, kp: 1, ki: 1, nu: 0.3),
               DualSGD(multipliers: [balance.multiplier!, cap.multiplier!], learningRate: 0.1, momentum: 0.5)],
        order: .alternatingDualPrimal,
        penaltyUpdater: MultiplicativePenaltyUpdater(growthFactor: 1.5, violationTolerance: 0.01))
    }

    func step(_ t: Int) throws {
      try optimizer.roll(computeState: {
        let loss = try (p - 1).square().sum()
        let indices = try Tensor(t % 2 == 0 ? [Int64(0), 2] : [Int64(1), 2, 3])
        let g = try p.indexSelect(dim: 0, index: indices) - 0.2
        let strict = try g.detached().sign() * 0.1
        let h = try p.sum() - 1
        let c = try p.square().sum() - 1
        return ProblemState(loss: loss, observed: [
          (groups, try ConstraintState(violation: g, strictViolation: strict, indices: indices)),
          (balance, try ConstraintState(violation: h)),
          (cap, try ConstraintState(violation: c)),
        ])
      })
    }

    func snapshot() throws -> [Tensor] {
      try [p.detached().clone()] + optimizer.state().map(\.tensor)
    }
  }

  func testResumedRunContinuesBitwiseIdentically() throws {
    let original = try Setup(seed: 0.3)
    for t in 0..<7 { try original.step(t) }
    let checkpoint = try original.optimizer.state()
    let savedP = try original.p.detached().clone()
    for t in 7..<14 { try original.step(t) }

    let resumed = try Setup(seed: -5)
    try Torch.withNoGrad { try resumed.p.copy_(savedP) }
    try resumed.optimizer.loadState(checkpoint)
    for t in 7..<14 { try resumed.step(t) }

    let a = try original.snapshot(), b = try resumed.snapshot()
    XCTAssertEqual(a.count, b.count)
    for (i, (x, y)) in zip(a, b).enumerated() {
      XCTAssertTrue(try x.equals(y), "entry \(i) differs: \(x) vs \(y)")
    }
    // The run really moved the state it checks: the parameters, the grown penalty, the multipliers.
    XCTAssertFalse(try original.p.equals(savedP))
    XCTAssertGreaterThan(try scalar(original.cap.penaltyCoefficient!.values()), 0.5)
  }

  func testStateNamesAndRoundTrip() throws {
    let setup = try Setup(seed: 0.3)
    for t in 0..<3 { try setup.step(t) }
    let state = try setup.optimizer.state()
    let names = state.map(\.name)
    for expected in ["multiplier.groups.value", "multiplier.balance.value", "multiplier.cap.value", "penalty.cap.value",
                     "dual.0.lr", "dual.0.state.0.xi", "dual.0.state.0.initialized", "dual.1.state.0.momentum_buffer",
                     "dual.1.state.1.momentum_buffer", "primal.0.state.0.exp_avg", "primal.0.step"] {
      XCTAssertTrue(names.contains(expected), "missing \(expected) in \(names)")
    }
    let fresh = try Setup(seed: 0.3)
    try fresh.optimizer.loadState(state)
    let again = try fresh.optimizer.state()
    XCTAssertEqual(again.map(\.name), names)
    for ((n, x), (_, y)) in zip(state, again) { XCTAssertTrue(try x.equals(y), n) }
  }

  /// `state()` hands out copies: stepping afterwards does not change a saved checkpoint.
  func testStateIsACopy() throws {
    let setup = try Setup(seed: 0.3)
    try setup.step(0)
    let state = try setup.optimizer.state()
    let frozen = try state.map { try $0.tensor.clone() }
    for t in 1..<4 { try setup.step(t) }
    for ((n, t), f) in zip(state, frozen) { XCTAssertTrue(try t.equals(f), "\(n) changed after state()") }
  }

  func testLoadStateRejectsBadEntries() throws {
    let setup = try Setup(seed: 0.3)
    try setup.step(0)
    let good = try setup.optimizer.state()
    assertThrows(ConstrainedError.self, "names no constraint") {
      try setup.optimizer.loadState(good + [("multiplier.nope.value", try Tensor([Float(1)]))])
    }
    assertThrows(ConstrainedError.self, "unexpected entry 'bogus'") { try setup.optimizer.loadState(good + [("bogus", try Tensor([Float(1)]))]) }
    assertThrows(ConstrainedError.self, "names no dual optimizer") {
      try setup.optimizer.loadState(good + [("dual.7.lr", try Tensor(scalar: 1.0))])
    }
    let misShaped = good.map { $0.name == "multiplier.groups.value" ? ($0.name, try! Tensor.zeros([3])) : $0 }
    assertThrows(ConstrainedError.self, "'value' has shape [3], expected [4]") { try setup.optimizer.loadState(misShaped) }
    let negative = good.map { $0.name == "multiplier.cap.value" ? ($0.name, try! Tensor([Float(-1)])) : $0 }
    assertThrows(ConstrainedError.self, "inequality multipliers must be >= 0, got -1") { try setup.optimizer.loadState(negative) }
    let noMultiplier = good.filter { $0.name != "multiplier.balance.value" }
    assertThrows(ConstrainedError.self, "missing entry 'value'") { try setup.optimizer.loadState(noMultiplier) }
    let badXi = good.map { $0.name == "dual.0.state.0.xi" ? ($0.name, try! Tensor.zeros([2])) : $0 }
    assertThrows(ConstrainedError.self, "has shape [2], multiplier 'groups' has [4]") { try setup.optimizer.loadState(badXi) }
  }
}
