import Fairness
import TestSupport
import Torch
import XCTest

/// The 95% interval of max ψ_g from paired per-sample results, against a hand computation.
final class ExcessGapIntervalTests: XCTestCase {
  func testMatchesTheHandComputation() throws {
    // Group 0: dense right on all 4, sparse wrong on 2 (δ = 1, 1, 0, 0); group 1: δ = 0, 0, 0, -1, 0, 0.
    let dense: [Bool] = [true, true, true, true, true, true, false, false, true, true]
    let sparse: [Bool] = [false, false, true, true, true, true, false, true, true, true]
    let ids: [Int64] = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    let delta = zip(dense, sparse).map { Double($0 ? 1 : 0) - Double($1 ? 1 : 0) }
    func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
    func variance(_ x: [Double]) -> Double { let m = mean(x); return x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1) }
    let overall = mean(delta), s2 = variance(delta)
    var lower = -Double.infinity, upper = -Double.infinity
    for g in [Int64(0), 1] {
      let d = zip(delta, ids).filter { $0.1 == g }.map(\.0)
      let se = (variance(d) / Double(d.count) + s2 / 10).squareRoot()
      lower = max(lower, mean(d) - overall - 1.959964 * se)
      upper = max(upper, mean(d) - overall + 1.959964 * se)
    }
    let interval = try XCTUnwrap(ExcessGapInterval.compute(denseCorrect: Tensor(dense), sparseCorrect: Tensor(sparse),
                                                             groupIDs: Tensor(ids), numGroups: 2))
    XCTAssertEqual(interval.lowerBound, lower, accuracy: 1e-12)
    XCTAssertEqual(interval.upperBound, upper, accuracy: 1e-12)
    // ψ_0 = 0.5 − 0.1 = 0.4 lies inside; excluding group 0 leaves group 1's bounds.
    XCTAssertTrue(interval.contains(0.4))
    let withoutFirst = try XCTUnwrap(ExcessGapInterval.compute(denseCorrect: Tensor(dense), sparseCorrect: Tensor(sparse),
                                                                 groupIDs: Tensor(ids), numGroups: 2, excluded: [0]))
    XCTAssertLessThan(withoutFirst.upperBound, upper)
    XCTAssertNil(try ExcessGapInterval.compute(denseCorrect: Tensor([true]), sparseCorrect: Tensor([false]),
                                               groupIDs: Tensor([Int64(0)]), numGroups: 1))
  }
}
