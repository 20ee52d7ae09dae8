import Datasets
import NN
import Optim
import TestSupport
import Torch
import XCTest

@testable import Fairness

/// CEAG's strict violations on imbalanced groups (issue 11): the overall estimate Â must be weighed
/// like A_d, and groups smaller than the buffer must still be constrained.
final class CEAGEstimatorTests: XCTestCase {
  /// Three groups of 60, 30 and 10 training samples with dense accuracies 0.9, 0.6 and 0.3: A_d = 0.75.
  let counts = [60, 30, 10], denseAccuracy = [0.9, 0.6, 0.3], epsilon = 0.02

  func makeCEAG(options: GroupConstraintOptions, counts: [Int]? = nil, accuracies: [Double]? = nil) throws -> CEAG {
    let counts = counts ?? self.counts, accuracies = accuracies ?? denseAccuracy
    let n = counts.reduce(0, +)
    let overall = zip(counts, accuracies).map { Double($0) * $1 }.reduce(0, +) / Double(n)
    let dense = try DenseReference(SplitPerformance(
      sampleCount: n, accuracy: overall, loss: 1, groupCounts: counts, groupAccuracies: accuracies,
      groupLosses: counts.map { _ in 1 }))
    let model = try Linear(1, 2)
    // Every prediction is class 0, so a sample is correct exactly when its target is 0.
    try Torch.withNoGrad {
      try model.weight.zero_()
      try model.bias!.copy_(Tensor([Float(1), 0]))
    }
    let info = DatasetInfo(name: "t", classNames: ["a", "b"],
                           attributes: [ProtectedAttribute(name: "g", values: counts.indices.map { "g\($0)" })])
    return try CEAG(objective: FineTuningObjective(model: model, weightDecay: 0), primal: SGD(parameters: model.parameters(), learningRate: 0.1),
                    groups: GroupSpec(info: info, attributeNames: ["g"], mode: .single), dense: dense, tolerance: epsilon,
                    options: options)
  }

  /// The strict violations after one push of `perGroup` samples of each group, `correct[g]` of them right.
  func strictViolations(_ ceag: CEAG, perGroup: [Int], correct: [Int]) throws -> (values: [Double], groups: [Int]) {
    var targets: [Int64] = [], ids: [Int64] = []
    for g in perGroup.indices {
      for i in 0..<perGroup[g] {
        targets.append(i < correct[g] ? 0 : 1)
        ids.append(Int64(g))
      }
    }
    let inputs = try Tensor.zeros([targets.count, 1])
    let f = try ceag.objective.evaluate(inputs: inputs, targets: Tensor(targets))
    let state = try ceag.constraintState(f, targets: Tensor(targets), groupIDs: Tensor(ids))
    return (try XCTUnwrap(state.strictViolation).toArray(Double.self),
            try XCTUnwrap(state.strictIndices).toArray(Int64.self).map(Int.init))
  }

  /// With each group's buffer mean at its dense accuracy nothing changed, so every ψ_g is 0 and every
  /// strict violation is exactly −ε. The reference estimator (unweighted mean of the buffers, 0.6
  /// here) shifts every constraint by Â − A_d = −15 points.
  func testNoPruningEffectGivesMinusEpsilonForEveryGroup() throws {
    let weighted = try strictViolations(try makeCEAG(options: GroupConstraintOptions(bufferSize: 10)),
                                        perGroup: [10, 10, 10], correct: [9, 6, 3])
    XCTAssertEqual(weighted.groups, [0, 1, 2])
    assertClose(weighted.values, [-epsilon, -epsilon, -epsilon], atol: 1e-6, "sample-weighted Â")
    let reference = try strictViolations(try makeCEAG(options: GroupConstraintOptions(bufferSize: 10, referenceBufferOverall: true)),
                                         perGroup: [10, 10, 10], correct: [9, 6, 3])
    assertClose(reference.values, [-epsilon - 0.15, -epsilon - 0.15, -epsilon - 0.15], atol: 1e-6, "reference Â")
  }

  /// A group with fewer training samples than k fills a buffer of its own size and is constrained;
  /// below `minGroupSize` it is not.
  func testSmallGroupsFillSmallerBuffersUnlessBelowTheMinimum() throws {
    let small = [20, 20, 3], accuracies = [0.9, 0.9, 1.0]
    let ceag = try makeCEAG(options: GroupConstraintOptions(bufferSize: 10), counts: small, accuracies: accuracies)
    XCTAssertEqual(try XCTUnwrap(ceag.buffer).groupCapacities, [10, 10, 3])
    let all = try strictViolations(ceag, perGroup: [10, 10, 3], correct: [9, 9, 1])
    XCTAssertEqual(all.groups, [0, 1, 2], "the 3-sample group's buffer is full after 3 samples")
    // A_d = (18 + 18 + 3) / 43; Â = (20·0.9 + 20·0.9 + 3·(1/3)) / 43; group 2: (1 − 1/3) − (A_d − Â) − ε.
    let ad = 39.0 / 43, a = 37.0 / 43
    assertClose(all.values, [-(ad - a) - epsilon, -(ad - a) - epsilon, (1 - 1.0 / 3) - (ad - a) - epsilon], atol: 1e-6)

    let limited = try makeCEAG(options: GroupConstraintOptions(bufferSize: 10, minGroupSize: 5), counts: small, accuracies: accuracies)
    XCTAssertEqual(limited.unconstrainedGroups, [2])
    XCTAssertEqual(try strictViolations(limited, perGroup: [10, 10, 3], correct: [9, 9, 1]).groups, [0, 1])
  }

  /// Dual restarts reach the multiplier of CEAG's inequality constraints (the restart itself is
  /// tested in ConstrainedTests).
  func testDualRestartsAreWired() throws {
    XCTAssertEqual(try makeCEAG(options: GroupConstraintOptions(dualRestarts: true)).solver.constraint.multiplier?.restartOnFeasible, true)
    XCTAssertEqual(try makeCEAG(options: GroupConstraintOptions()).solver.constraint.multiplier?.restartOnFeasible, false)
  }

  /// `evaluationModeEstimates`: the buffers record the model's correctness in evaluation mode, not
  /// the training forward's. The model thresholds a BatchNorm'd scalar (class 1 when the
  /// normalized x exceeds 1.5); every target is 1. In training mode the batch x = 1...6 normalizes to
  /// ±1.46 at most, so nothing is right; in evaluation mode the running statistics after that one
  /// training forward (mean 0.35, variance 0.9 + 0.1 · 3.5 = 1.25) map x = 3...6 above 1.5 and
  /// x = 1, 2 below (2 → 1.476): group 0 (x = 1, 2, 3) 1/3 right, group 1 (x = 4, 5, 6) all.
  func testEvaluationModeEstimatesRecordWhatTheEvaluationMeasures() throws {
    func bufferMeans(evaluationMode: Bool) throws -> [Double] {
      let dense = try DenseReference(SplitPerformance(sampleCount: 6, accuracy: 1, loss: 1, groupCounts: [3, 3],
                                                      groupAccuracies: [1, 1], groupLosses: [1, 1]))
      let linear = try Linear(1, 2)
      try Torch.withNoGrad {
        try linear.weight.copy_(Tensor([Float(0), 1], shape: [2, 1]))
        try linear.bias!.copy_(Tensor([Float(0), -1.5]))
      }
      let model = Sequential([try BatchNorm2d(1), Flatten(), linear])
      let info = DatasetInfo(name: "t", classNames: ["a", "b"], attributes: [ProtectedAttribute(name: "g", values: ["g0", "g1"])])
      let ceag = try CEAG(objective: FineTuningObjective(model: model, weightDecay: 0), primal: SGD(parameters: model.parameters(), learningRate: 0.1),
                          groups: GroupSpec(info: info, attributeNames: ["g"], mode: .single), dense: dense, tolerance: epsilon,
                          options: GroupConstraintOptions(bufferSize: 3, evaluationModeEstimates: evaluationMode))
      let inputs = try Tensor([Float(1), 2, 3, 4, 5, 6], shape: [6, 1, 1, 1])
      _ = try ceag.step(inputs: inputs, targets: Tensor([Int64](repeating: 1, count: 6)), attributes: Tensor([Int64(0), 0, 0, 1, 1, 1], shape: [6, 1]),
                        mitigate: true)
      XCTAssertTrue(model.isTraining, "the step leaves the model in training mode")
      return try XCTUnwrap(ceag.buffer).estimate().means.to(.float64).toArray(Double.self)
    }
    assertClose(try bufferMeans(evaluationMode: false), [0, 0], atol: 1e-12, "the training forward's predictions")
    assertClose(try bufferMeans(evaluationMode: true), [1.0 / 3, 1], atol: 1e-6, "evaluation mode")
  }
}
