import Datasets
import Fairness
import Foundation
import NN
import TestSupport
import Torch
import XCTest

/// Per-group diagnostics of a 2-class linear model recomputed by hand: loss, accuracy, the
/// boundary proxy 1 − Σp², the margin and the norm of the group gradient (p − y) xᵀ.
final class GroupDiagnosticsTests: XCTestCase {
  let x: [[Double]] = [[1, 0], [0, 1], [1, 1], [2, -1], [-1, 2], [0.5, 0.5], [3, 1]]
  let y = [0, 1, 0, 1, 0, 1, 0]
  let group = [0, 0, 0, 1, 1, 1, 1]
  let w: [[Double]] = [[0.5, -0.3], [-0.2, 0.4]], b: [Double] = [0.1, -0.1]

  func testRowsMatchTheHandComputation() throws {
    let model = try Linear(2, 2)
    try model.to(.float64)
    try Torch.withNoGrad {
      try model.weight.copy_(Tensor(w.flatMap { $0 }, shape: [2, 2]))
      try model.bias!.copy_(Tensor(b))
    }
    let split = try GroupedSplit(inputs: Tensor(x.flatMap { $0 }, shape: [7, 2]), targets: Tensor(y.map(Int64.init)),
                                 attributes: Tensor(group.map(Int64.init), shape: [7, 1]))
    let info = DatasetInfo(name: "t", classNames: ["a", "b"], attributes: [ProtectedAttribute(name: "g", values: ["p", "q"])])
    let spec = try GroupSpec(info: info, attributeNames: ["g"], mode: .single)
    var options = GroupDiagnostics.Options()
    options.maxSamplesPerGroup = 3  // group q has 4 samples: its first 3 are used
    let samples = try GroupDiagnostics.samples(of: split, groups: spec, limit: options.maxSamplesPerGroup, batchSize: 2)
    XCTAssertEqual(try samples.map { try $0?.targets.toArray(Int64.self) }, [[0, 1, 0], [1, 0, 1]])
    let rows = try GroupDiagnostics.measure(model, samples: samples, names: spec.groupNames, options: options).rows

    for g in 0..<2 {
      let members = Array((0..<7).filter { group[$0] == g }.prefix(3))
      var loss = 0.0, correct = 0.0, boundary = 0.0, margin = 0.0
      var gradW = [[0.0, 0.0], [0.0, 0.0]], gradB = [0.0, 0.0]
      var sampleNorms = 0.0
      for i in members {
        let z = (0..<2).map { c in w[c][0] * x[i][0] + w[c][1] * x[i][1] + b[c] }
        let e = z.map { exp($0 - z.max()!) }
        let p = e.map { $0 / e.reduce(0, +) }
        loss += -log(p[y[i]])
        correct += (z[0] > z[1] ? 0 : 1) == y[i] ? 1 : 0
        boundary += 1 - p.map { $0 * $0 }.reduce(0, +)
        margin += p[y[i]] - p[1 - y[i]]
        var own = 0.0
        for c in 0..<2 {
          let d = p[c] - (y[i] == c ? 1 : 0)
          gradB[c] += d / 3
          own += d * d
          for k in 0..<2 {
            gradW[c][k] += d * x[i][k] / 3
            own += d * x[i][k] * d * x[i][k]
          }
        }
        sampleNorms += own.squareRoot()
      }
      let row = try XCTUnwrap(rows[g])
      XCTAssertEqual(row.samples, 3)
      XCTAssertEqual(row.loss, loss / 3, accuracy: 1e-12)
      XCTAssertEqual(row.accuracy, correct / 3, accuracy: 1e-12)
      XCTAssertEqual(row.boundaryProxy, boundary / 3, accuracy: 1e-12)
      XCTAssertEqual(row.margin, margin / 3, accuracy: 1e-12)
      let norm = (gradW.flatMap { $0 } + gradB).map { $0 * $0 }.reduce(0, +).squareRoot()
      XCTAssertEqual(row.gradNorm, norm, accuracy: 1e-12)
      XCTAssertEqual(row.meanSampleGradNorm, sampleNorms / 3, accuracy: 1e-12)
      // Softmax cross-entropy of a linear model is convex: its Hessian is positive semi-definite,
      // so its top eigenvalue and every Hutchinson term zᵀHz are non-negative.
      XCTAssertGreaterThan(row.hessianTop, 0)
      XCTAssertGreaterThan(row.hessianTrace, 0)
    }
  }
}
