import Constrained
import NN
import Torch
import XCTest

/// Invalid input throws a `ConstrainedError` naming the thing and the value.
final class ErrorTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  func indexedSetup() throws -> (Constraint, ConstrainedOptimizer) {
    let multiplier = try Multiplier(kind: .inequality, count: 5, access: .indexed)
    let constraint = try Constraint(name: "groups", kind: .inequality, multiplier: multiplier)
    let optimizer = try ConstrainedOptimizer(constraints: [constraint], primal: [],
                                             dual: [DualSGD(multipliers: [multiplier], learningRate: 1)],
                                             order: .alternatingDualPrimal)
    return (constraint, optimizer)
  }

  func dualStep(_ optimizer: ConstrainedOptimizer, _ constraint: Constraint, _ state: ConstraintState) throws {
    try optimizer.dualStep(using: ProblemState(loss: nil, observed: [(constraint, state)]))
  }

  func testMismatchedViolationAndIndices() throws {
    let (c, o) = try indexedSetup()
    assertThrows(ConstrainedError.self, "constraint 'groups': violation has 3 entries but indices has 2") {
      try self.dualStep(o, c, try ConstraintState(violation: Tensor([Float(1), 2, 3]), indices: Tensor([Int64(0), 1])))
    }
    assertThrows(ConstrainedError.self, "constraint 'groups': strictViolation has 1 entries but strictIndices has 2") {
      try self.dualStep(o, c, try ConstraintState(violation: Tensor([Float(1)]), strictViolation: Tensor([Float(1)]),
                                                  indices: Tensor([Int64(0)]), strictIndices: Tensor([Int64(0), 1])))
    }
    assertThrows(ConstrainedError.self, "strictViolation has 2 entries but indices (which strictIndices default to) has 1") {
      try self.dualStep(o, c, try ConstraintState(violation: Tensor([Float(1)]), strictViolation: Tensor([Float(1), 2]),
                                                  indices: Tensor([Int64(0)])))
    }
  }

  func testIndexedMultiplierNeedsInt64OneDimensionalIndices() throws {
    let (c, o) = try indexedSetup()
    assertThrows(ConstrainedError.self, "has indexed entries but the state gives no indices") {
      try self.dualStep(o, c, try ConstraintState(violation: Tensor([Float(1)])))
    }
    assertThrows(ConstrainedError.self, "indices must be int64, got int32") {
      try self.dualStep(o, c, try ConstraintState(violation: Tensor([Float(1)]), indices: Tensor([Int32(0)])))
    }
    assertThrows(ConstrainedError.self, "indices must be 1-D, got shape [1, 1]") {
      try self.dualStep(o, c, try ConstraintState(violation: Tensor([Float(1)]), indices: Tensor([Int64(0)], shape: [1, 1])))
    }
  }

  func testOutOfRangeIndexNamesTheMultiplier() throws {
    let (c, o) = try indexedSetup()
    assertThrows(ConstrainedError.self, "multiplier 'groups': cannot read indices (5 entries)") {
      try self.dualStep(o, c, try ConstraintState(violation: Tensor([Float(1)]), indices: Tensor([Int64(7)])))
    }
  }

  func testDenseMultiplierShapes() throws {
    let multiplier = try Multiplier(kind: .inequality, count: 3)
    let c = try Constraint(name: "dense", kind: .inequality, multiplier: multiplier)
    let o = try ConstrainedOptimizer(constraints: [c], primal: [], dual: [DualSGD(multipliers: [multiplier], learningRate: 1)],
                                     order: .simultaneous)
    assertThrows(ConstrainedError.self, "constraint 'dense': violation has 2 entries but the constraint has 3") {
      try self.dualStep(o, c, try ConstraintState(violation: Tensor([Float(1), 2])))
    }
    assertThrows(ConstrainedError.self, "has dense entries but the state gives indices") {
      try self.dualStep(o, c, try ConstraintState(violation: Tensor([Float(1), 2, 3]), indices: Tensor([Int64(0), 1, 2])))
    }
    assertThrows(ConstrainedError.self, "violation must be 0-D or 1-D, got shape [3, 1]") {
      try self.dualStep(o, c, try ConstraintState(violation: Tensor([Float(1), 2, 3], shape: [3, 1])))
    }
  }

  func testNegativeInitialMultiplierForInequality() {
    assertThrows(ConstrainedError.self, "inequality multipliers must start >= 0, got initial value -0.5") {
      _ = try Multiplier(kind: .inequality, count: 2, initialValue: -0.5)
    }
    assertThrows(ConstrainedError.self, "inequality multipliers must start >= 0, got minimum initial value -2") {
      _ = try Multiplier(kind: .inequality, initialValues: Tensor([Float(1), -2]))
    }
    XCTAssertNoThrow(try Multiplier(kind: .equality, count: 2, initialValue: -0.5))
  }

  func testStrictIndicesWithoutStrictViolation() {
    assertThrows(ConstrainedError.self, "strictIndices were given without a strictViolation") {
      _ = try ConstraintState(violation: Tensor([Float(1)]), indices: Tensor([Int64(0)]), strictIndices: Tensor([Int64(1)]))
    }
  }

  func testFormulationNeedsMatchingParts() throws {
    let m = try Multiplier(kind: .inequality, count: 1)
    let rho = try PenaltyCoefficient(initialValue: 1)
    assertThrows(ConstrainedError.self, "constraint 'c': Lagrangian needs a multiplier") { _ = try Constraint(name: "c", kind: .inequality) }
    assertThrows(ConstrainedError.self, "Lagrangian takes no penalty coefficient") {
      _ = try Constraint(name: "c", kind: .inequality, multiplier: m, penaltyCoefficient: rho)
    }
    assertThrows(ConstrainedError.self, "AugmentedLagrangian needs a penalty coefficient") {
      _ = try Constraint(name: "c", kind: .inequality, formulation: .augmentedLagrangian, multiplier: m)
    }
    assertThrows(ConstrainedError.self, "QuadraticPenalty has no multiplier") {
      _ = try Constraint(name: "c", kind: .inequality, formulation: .quadraticPenalty, multiplier: m, penaltyCoefficient: rho)
    }
    assertThrows(ConstrainedError.self, "is an equality constraint but its multiplier was built for inequality") {
      _ = try Constraint(name: "c", kind: .equality, multiplier: m)
    }
    assertThrows(ConstrainedError.self, "penalty coefficients must be > 0, got minimum 0") {
      _ = try Constraint(name: "c", kind: .inequality, formulation: .augmentedLagrangian, multiplier: m,
                         penaltyCoefficient: PenaltyCoefficient(initialValue: 0))
    }
    assertThrows(ConstrainedError.self, "penalty coefficients must be >= 0") { _ = try PenaltyCoefficient(initialValue: -1) }
  }

  func testOptimizerWiring() throws {
    let m = try Multiplier(kind: .inequality, count: 1)
    let c = try Constraint(name: "c", kind: .inequality, multiplier: m)
    assertThrows(ConstrainedError.self, "multiplier of constraint 'c' belongs to 0 dual optimizers") {
      _ = try ConstrainedOptimizer(constraints: [c], primal: [], dual: [], order: .simultaneous)
    }
    assertThrows(ConstrainedError.self, "belongs to 2 dual optimizers") {
      _ = try ConstrainedOptimizer(constraints: [c], primal: [], dual: [DualSGD(multipliers: [m], learningRate: 1),
                                                                         NuPI(multipliers: [m], learningRate: 1)],
                                   order: .simultaneous)
    }
    let other = try Constraint(name: "c", kind: .inequality, multiplier: Multiplier(kind: .inequality, count: 1))
    assertThrows(ConstrainedError.self, "two constraints are named 'c'") {
      _ = try ConstrainedOptimizer(constraints: [c, other], primal: [],
                                   dual: [DualSGD(multipliers: [m, other.multiplier!], learningRate: 1)], order: .simultaneous)
    }
    assertThrows(ConstrainedError.self, "DualSGD: multiplier 'c' is listed twice") { _ = try DualSGD(multipliers: [m, m], learningRate: 1) }
    assertThrows(ConstrainedError.self, "DualSGD: learning rate must be >= 0, got -1") { _ = try DualSGD(multipliers: [m], learningRate: -1) }
    assertThrows(ConstrainedError.self, "NuPI: nu must lie in (-1, 1), got 1") { _ = try NuPI(multipliers: [m], learningRate: 1, nu: 1) }

    let o = try ConstrainedOptimizer(constraints: [c], primal: [], dual: [DualSGD(multipliers: [m], learningRate: 1)],
                                     order: .simultaneous)
    let stranger = try Constraint(name: "stranger", kind: .inequality, multiplier: Multiplier(kind: .inequality, count: 1))
    assertThrows(ConstrainedError.self, "constraint 'stranger' is not one of this optimizer's constraints") {
      try o.dualStep(using: ProblemState(loss: nil, observed: [(stranger, try ConstraintState(violation: Tensor([Float(1)])))]))
    }
    let s = try ConstraintState(violation: Tensor([Float(1)]))
    assertThrows(ConstrainedError.self, "constraint 'c' is observed twice") {
      try o.dualStep(using: ProblemState(loss: nil, observed: [(c, s), (c, s)]))
    }
  }

  /// A failed validation leaves multipliers untouched.
  func testFailedStepChangesNothing() throws {
    let (c, o) = try indexedSetup()
    let before = try c.multiplier!.values()
    XCTAssertThrowsError(try dualStep(o, c, try ConstraintState(violation: Tensor([Float(1), 2]), indices: Tensor([Int64(0)]))))
    XCTAssertTrue(try c.multiplier!.values().equals(before))
  }
}
