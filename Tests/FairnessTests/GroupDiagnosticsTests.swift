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
  func testRowsMatchTheHandComputation() throws {
    let (x, y, group) = (LinearFixture.x, LinearFixture.y, LinearFixture.group)
    let model = try LinearFixture.model()
    let split = try LinearFixture.split()
    let spec = try LinearFixture.spec()
    var options = GroupDiagnostics.Options()
    options.maxSamplesPerGroup = 3  // group q has 4 samples: its first 3 are used
    let samples = try GroupDiagnostics.samples(of: split, groups: spec, limit: options.maxSamplesPerGroup, batchSize: 2)
    XCTAssertEqual(try samples.map { try $0?.targets.toArray(Int64.self) }, [[0, 1, 0], [1, 0, 1]])
    let rows = try GroupDiagnostics.measure(model, samples: samples, names: spec.groupNames, options: options).rows

    for g in 0..<2 {
      let members = Array((0..<7).filter { group[$0] == g }.prefix(3))
      var loss = 0.0, correct = 0.0, boundary = 0.0, margin = 0.0
      var sampleNorms = 0.0
      for i in members {
        let p = LinearFixture.probabilities(i)
        loss += -log(p[y[i]])
        correct += (p[0] > p[1] ? 0 : 1) == y[i] ? 1 : 0
        boundary += 1 - p.map { $0 * $0 }.reduce(0, +)
        margin += p[y[i]] - p[1 - y[i]]
        let own = LinearFixture.gradients(of: [i])
        sampleNorms += (own.w.flatMap { $0 } + own.b).map { $0 * $0 }.reduce(0, +).squareRoot()
      }
      let (gradW, gradB) = LinearFixture.gradients(of: members)
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
