import Fairness
import Foundation
import NN
import TestSupport
import Torch
import XCTest

/// Hessian-vector products against finite differences, and power iteration and Hutchinson
/// against an explicit Hessian (float64, a 26-parameter MLP).
final class CurvatureTests: XCTestCase {
  func setup() throws -> (MLP, Curvature) {
    Torch.manualSeed(5)
    let model = try MLP(inputSize: 3, hiddenSizes: [4], outputSize: 2)
    try model.to(.float64)
    let x = try Tensor(SplitMix64.uniforms(stream: 7, count: 15).map { 4 * $0 - 2 }, shape: [5, 3])
    let y = try Tensor([0, 1, 1, 0, 1] as [Int64])
    let curvature = Curvature(parameters: model.parameters()) { try Tensor.crossEntropy(model(x), targets: y) }
    return (model, curvature)
  }

  func flat(_ ts: [Tensor]) throws -> [Double] { try ts.flatMap { try $0.to(.float64).reshaped([-1]).toArray(Double.self) } }

  /// `values` as tensors shaped like the parameters.
  func shaped(_ values: [Double], like parameters: [Tensor]) throws -> [Tensor] {
    var offset = 0
    return try parameters.map { p in
      defer { offset += p.count }
      return try Tensor(Array(values[offset..<(offset + p.count)]), shape: p.shape)
    }
  }

  func testHessianVectorProductEqualsFiniteDifferencesOfGradients() throws {
    let (model, curvature) = try setup()
    let parameters = model.parameters()
    let v = try shaped(SplitMix64.uniforms(stream: 9, count: 26).map { 2 * $0 - 1 }, like: parameters)
    let hv = try flat(curvature.hessianVectorProduct(v))
    let eps = 1e-5
    func shift(_ sign: Double) throws { try Torch.withNoGrad { for (p, d) in zip(parameters, v) { try p.add_(d * (sign * eps)) } } }
    try shift(1)
    let plus = try flat(curvature.gradient())
    try shift(-2)
    let minus = try flat(curvature.gradient())
    try shift(1)
    let fd = zip(plus, minus).map { ($0 - $1) / (2 * eps) }
    let scale = fd.map(abs).max() ?? 1
    XCTAssertGreaterThan(scale, 1e-3, "the fixture has curvature")
    assertClose(hv, fd, atol: 1e-6 * scale)
  }

  func testPowerIterationAndHutchinsonMatchTheExplicitHessian() throws {
    let (model, curvature) = try setup()
    let parameters = model.parameters()
    let p = 26
    var h = [[Double]]()
    for i in 0..<p {
      var e = [Double](repeating: 0, count: p)
      e[i] = 1
      h.append(try flat(curvature.hessianVectorProduct(shaped(e, like: parameters))))
    }
    for i in 0..<p { for j in 0..<p { XCTAssertEqual(h[i][j], h[j][i], accuracy: 1e-10) } }
    let eigenvalues = jacobiEigenvalues(h).sorted { abs($0) > abs($1) }
    XCTAssertLessThan(abs(eigenvalues[1]) / abs(eigenvalues[0]), 0.9, "the fixture's spectral gap lets power iteration converge")
    XCTAssertEqual(try curvature.topEigenvalue(iterations: 300, seed: 1), eigenvalues[0], accuracy: 1e-8 * abs(eigenvalues[0]))
    // Hutchinson is unbiased with per-probe variance 2 Σ_{i≠j} H_ij²: within 4 standard errors.
    let trace = (0..<p).map { h[$0][$0] }.reduce(0, +)
    var offDiagonal = 0.0
    for i in 0..<p { for j in 0..<p where j != i { offDiagonal += h[i][j] * h[i][j] } }
    let probes = 400
    let estimate = try curvature.traceEstimate(probes: probes, seed: 3)
    XCTAssertEqual(estimate, trace, accuracy: 4 * (2 * offDiagonal / Double(probes)).squareRoot())
    XCTAssertEqual(try curvature.traceEstimate(probes: probes, seed: 3), estimate, "seeded")
  }

  func testSpearmanWithTies() {
    // x ranks [1, 2.5, 2.5, 4], y ranks [1, 2, 3, 4]: 4.5 / √(4.5 · 5).
    XCTAssertEqual(RankCorrelation.spearman([1, 2, 2, 4], [10, 20, 30, 40])!, 4.5 / (4.5 * 5).squareRoot(), accuracy: 1e-15)
    XCTAssertEqual(RankCorrelation.spearman([3, 2, 1], [1, 2, 3])!, -1, accuracy: 1e-15)
    XCTAssertNil(RankCorrelation.spearman([1, 1, 1], [1, 2, 3]))
  }

  /// Eigenvalues of a symmetric matrix by cyclic Jacobi rotations.
  func jacobiEigenvalues(_ matrix: [[Double]]) -> [Double] {
    var a = matrix
    let n = a.count
    for _ in 0..<100 {
      var off = 0.0
      for i in 0..<n { for j in 0..<n where i != j { off += a[i][j] * a[i][j] } }
      if off < 1e-24 { break }
      for p in 0..<n {
        for q in (p + 1)..<n where abs(a[p][q]) > 1e-300 {
          let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
          let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot(), s = t * c
          for k in 0..<n {
            let akp = a[k][p], akq = a[k][q]
            a[k][p] = c * akp - s * akq
            a[k][q] = s * akp + c * akq
          }
          for k in 0..<n {
            let apk = a[p][k], aqk = a[q][k]
            a[p][k] = c * apk - s * aqk
            a[q][k] = s * apk + c * aqk
          }
        }
      }
    }
    return (0..<n).map { a[$0][$0] }
  }
}
