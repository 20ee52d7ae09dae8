import Constrained
import Datasets
import Fairness
import Foundation
import NN
import Optim
import TestSupport
import Torch
import XCTest

/// One CEAG step recomputed by hand on a 2-feature, 2-class linear model with two groups of three
/// samples: proxies ψ̃_g, strict violations c_g, the dual step, the primal Lagrangian and the SGD
/// update of every weight (Algorithm 1, lines 5-14).
final class CEAGStepTests: XCTestCase {
  let x: [[Double]] = [[1, 0], [0, 1], [1, 1], [2, -1], [-1, 2], [0.5, 0.5]]
  let y = [0, 1, 0, 1, 0, 1]
  let group = [0, 0, 0, 1, 1, 1]
  let w0: [[Double]] = [[0.5, -0.3], [-0.2, 0.4]], b0: [Double] = [0.1, -0.1]
  // Dense reference: group 0 was perfect, group 1 half right.
  let denseAccuracy: [Double] = [1.0, 0.5], denseLoss: [Double] = [0.3, 0.9]
  let epsilon = 0.05, eta = 0.5, lr = 0.2

  /// softmax and cross-entropy of sample i under (w, b).
  func forward(_ i: Int) -> (p: [Double], loss: Double, predicted: Int) {
    let z = (0..<2).map { c in w0[c][0] * x[i][0] + w0[c][1] * x[i][1] + b0[c] }
    let m = z.max()!
    let e = z.map { Foundation.exp($0 - m) }
    let p = e.map { $0 / e.reduce(0, +) }
    return (p, -Foundation.log(p[y[i]]), z[0] > z[1] ? 0 : 1)
  }

  func runStep(bufferSize: Int?) throws -> (model: Linear, record: StepRecord, lambda: [Double]) {
    let (model, ceag, record) = try makeAndStep(GroupConstraintOptions(bufferSize: bufferSize))
    return (model, record, try XCTUnwrap(try ceag.multipliers()).toArray(Double.self))
  }

  func makeAndStep(_ options: GroupConstraintOptions, learningRate: Double? = nil) throws -> (model: Linear, ceag: CEAG, record: StepRecord) {
    let model = try Linear(2, 2)
    try Torch.withNoGrad {
      try model.weight.copy_(Tensor(w0.flatMap { $0 }.map(Float.init), shape: [2, 2]))
      try model.bias!.copy_(Tensor(b0.map(Float.init)))
    }
    let info = DatasetInfo(name: "t", classNames: ["a", "b"], attributes: [ProtectedAttribute(name: "g", values: ["p", "q"])])
    let groups = try GroupSpec(info: info, attributeNames: ["g"], mode: .single)
    let dense = try DenseReference(SplitPerformance(
      sampleCount: 6, accuracy: 0.75, loss: 0.6, groupCounts: [3, 3], groupAccuracies: denseAccuracy, groupLosses: denseLoss))
    let ceag = try CEAG(objective: FineTuningObjective(model: model, weightDecay: 0),
                        primal: SGD(parameters: model.parameters(), learningRate: learningRate ?? lr),
                        groups: groups, dense: dense, tolerance: epsilon, dual: .gradientAscent(learningRate: eta),
                        options: options)
    let record = try ceag.step(inputs: Tensor(x.flatMap { $0 }.map(Float.init), shape: [6, 2]), targets: Tensor(y.map(Int64.init)),
                               attributes: Tensor(group.map(Int64.init), shape: [6, 1]), mitigate: true)
    return (model, ceag, record)
  }

  /// The quadratic penalty: no multipliers; the primal step is on f + ½ ρ Σ relu(ψ̃_g)², whose
  /// gradient is the Lagrangian's with λ_g = ρ relu(ψ̃_g).
  func testQuadraticPenaltyStepMatchesTheHandComputation() throws {
    let rho = 3.0
    let f = (0..<6).map(forward)
    let loss = f.map(\.loss).reduce(0, +) / 6
    let groupLoss = (0..<2).map { g in (0..<6).filter { group[$0] == g }.map { f[$0].loss }.reduce(0, +) / 3 }
    let proxy = (0..<2).map { (groupLoss[$0] - denseLoss[$0]) - (loss - 0.6) }
    let weightOf = proxy.map { rho * Swift.max(0, $0) }
    let weights = (0..<6).map { 1.0 / 6 + weightOf[group[$0]] / 3 - weightOf.reduce(0, +) / 6 }
    var gradB = [0.0, 0.0]
    for i in 0..<6 { for c in 0..<2 { gradB[c] += weights[i] * (f[i].p[c] - (y[i] == c ? 1 : 0)) } }
    let (model, ceag, record) = try makeAndStep(GroupConstraintOptions(bufferSize: 3, formulation: .quadraticPenalty, penaltyCoefficient: rho))
    XCTAssertNil(try ceag.multipliers())
    XCTAssertEqual(try XCTUnwrap(record.lagrangian), loss + 0.5 * rho * proxy.map { Swift.max(0, $0) * Swift.max(0, $0) }.reduce(0, +),
                   accuracy: 1e-5)
    assertClose(try XCTUnwrap(model.bias), shape: [2], (0..<2).map { b0[$0] - lr * gradB[$0] }, atol: 1e-6)
  }

  /// Orders that evaluate twice push each batch into the buffers once: alternating primal-dual
  /// at the new point (whose violations the dual step uses), extragradient at the current point.
  func testTwoEvaluationOrdersRecordEachBatchOnce() throws {
    let initialCorrect = (0..<6).map { forward($0).predicted == y[$0] ? 1.0 : 0.0 }
    for order in [UpdateOrder.alternatingPrimalDual, .extragradient] {
      // A large step, so that predictions at the new point differ from those at x_t.
      let (model, ceag, _) = try makeAndStep(GroupConstraintOptions(bufferSize: 6, updateOrder: order), learningRate: 20)
      let buffer = try XCTUnwrap(ceag.buffer)
      XCTAssertEqual(try buffer.counts().toArray(Int64.self), [3, 3], "\(order)")
      let held = try buffer.contents().toArray(Double.self)
      let recorded = [held[0], held[1], held[2], held[6], held[7], held[8]]
      if order == .extragradient {
        XCTAssertEqual(recorded, initialCorrect, "\(order): correctness at x_t")
      } else {
        let after = try model(Tensor(x.flatMap { $0 }.map(Float.init), shape: [6, 2])).argmax(dim: 1).toArray(Int64.self)
        XCTAssertEqual(recorded, (0..<6).map { after[$0] == Int64(y[$0]) ? 1.0 : 0.0 }, "\(order): correctness after the primal step")
        XCTAssertNotEqual(recorded, initialCorrect, "the fixture: the step changes a prediction")
      }
    }
  }

  func testOneStepMatchesTheHandComputation() throws {
    let f = (0..<6).map(forward)
    let loss = f.map(\.loss).reduce(0, +) / 6
    let groupLoss = (0..<2).map { g in (0..<6).filter { group[$0] == g }.map { f[$0].loss }.reduce(0, +) / 3 }
    let correct = (0..<6).map { f[$0].predicted == y[$0] ? 1.0 : 0.0 }
    let accuracy = correct.reduce(0, +) / 6
    let groupAccuracy = (0..<2).map { g in (0..<6).filter { group[$0] == g }.map { correct[$0] }.reduce(0, +) / 3 }
    XCTAssertEqual(groupAccuracy, [1, 0], "the fixture: group 1 lost everything")
    // ψ̃_g = (L_g − L_d,g) − (L − L_d);  c_g = (A_d,g − A_g) − (A_d − A) − ε;  λ = max(0, η c).
    let proxy = (0..<2).map { (groupLoss[$0] - denseLoss[$0]) - (loss - 0.6) }
    let strict = (0..<2).map { (denseAccuracy[$0] - groupAccuracy[$0]) - (0.75 - accuracy) - epsilon }
    XCTAssertEqual(strict[0], -0.3, accuracy: 1e-12)
    XCTAssertEqual(strict[1], 0.2, accuracy: 1e-12)
    let lambda = strict.map { Swift.max(0, eta * $0) }
    // ∂/∂θ of L + Σ λ_g (L_g − L): sample i's loss gradient weighted 1/N + λ_g(i)/N_g − Σλ/N.
    let weights = (0..<6).map { 1.0 / 6 + lambda[group[$0]] / 3 - lambda.reduce(0, +) / 6 }
    var gradW = [[0.0, 0.0], [0.0, 0.0]], gradB = [0.0, 0.0]
    for i in 0..<6 {
      for c in 0..<2 {
        let d = weights[i] * (f[i].p[c] - (y[i] == c ? 1 : 0))
        gradB[c] += d
        for k in 0..<2 { gradW[c][k] += d * x[i][k] }
      }
    }
    let expectedW = (0..<2).flatMap { c in (0..<2).map { w0[c][$0] - lr * gradW[c][$0] } }
    let expectedB = (0..<2).map { b0[$0] - lr * gradB[$0] }
    let lagrangian = loss + zip(lambda, proxy).map(*).reduce(0, +)

    for bufferSize in [nil, 3] as [Int?] {
      let (model, record, multipliers) = try runStep(bufferSize: bufferSize)
      let label = "buffer \(bufferSize.map(String.init) ?? "none")"
      assertClose(multipliers, lambda, atol: 1e-6, "\(label): multipliers after the dual step")
      XCTAssertEqual(record.measured, 2, label)
      XCTAssertEqual(try XCTUnwrap(record.maxViolation), strict.max()!, accuracy: 1e-6, label)
      XCTAssertEqual(try XCTUnwrap(record.lagrangian), lagrangian, accuracy: 1e-5, "\(label): Lagrangian")
      XCTAssertEqual(record.loss, loss, accuracy: 1e-6, label)
      assertClose(model.weight, shape: [2, 2], expectedW, atol: 1e-6, "\(label): weight after the primal step")
      assertClose(try XCTUnwrap(model.bias), shape: [2], expectedB, atol: 1e-6, "\(label): bias after the primal step")
    }
  }

  /// Without mitigation the step is plain SGD on the objective and the multipliers stay 0.
  func testObjectiveOnlyStepLeavesMultipliersAlone() throws {
    let ceag = try runStepWithoutMitigation()
    XCTAssertEqual(try XCTUnwrap(try ceag.multipliers()).toArray(Double.self), [0, 0])
  }

  func runStepWithoutMitigation() throws -> CEAG {
    let model = try Linear(2, 2)
    let info = DatasetInfo(name: "t", classNames: ["a", "b"], attributes: [ProtectedAttribute(name: "g", values: ["p", "q"])])
    let dense = try DenseReference(SplitPerformance(
      sampleCount: 6, accuracy: 0.75, loss: 0.6, groupCounts: [3, 3], groupAccuracies: denseAccuracy, groupLosses: denseLoss))
    let ceag = try CEAG(objective: FineTuningObjective(model: model), primal: SGD(parameters: model.parameters(), learningRate: lr),
                        groups: GroupSpec(info: info, attributeNames: ["g"], mode: .single), dense: dense,
                        options: GroupConstraintOptions(bufferSize: 3))
    let record = try ceag.step(inputs: Tensor(x.flatMap { $0 }.map(Float.init), shape: [6, 2]), targets: Tensor(y.map(Int64.init)),
                               attributes: Tensor(group.map(Int64.init), shape: [6, 1]), mitigate: false)
    XCTAssertNil(record.lagrangian)
    XCTAssertEqual(try XCTUnwrap(ceag.buffer).counts().toArray(Int64.self), [0, 0], "no pushes outside mitigation")
    return ceag
  }
}
