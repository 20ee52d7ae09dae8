import Datasets
import Fairness
import Torch
import XCTest

/// Accuracy gaps, excess gaps, Ψ_PW, max ψ and feasibility on a toy table computed by hand
/// (SPEC 1.2-1.4, 10).
final class DisparityMetricsTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  let spec = try! GroupSpec.single(ProtectedAttribute(name: "g", values: ["A", "B", "C", "D"]))

  /// 10 samples; A = {0, 3, 5, 8}, B = {1, 4, 7, 9}, C = {2, 6}, D absent.
  ///
  /// | group | n | dense | sparse | Δ_g  | ψ_g = Δ_g − 0.3 |
  /// |-------|---|-------|--------|------|-----------------|
  /// | A     | 4 | 4/4   | 3/4    | 0.25 | −0.05           |
  /// | B     | 4 | 3/4   | 2/4    | 0.25 | −0.05           |
  /// | C     | 2 | 2/2   | 1/2    | 0.5  | 0.2             |
  /// | all   |10 | 9/10  | 6/10   | Δ = 0.3                |
  ///
  /// Ψ_PW = 0.2 − (−0.05) = 0.25; max ψ = 0.2; std(0.25, 0.25, 0.5) = sqrt(1/48).
  /// Sparse losses: A (1, 2, 3, 4) -> 2.5, B (0, 0, 1, 1) -> 0.5, C (2, 4) -> 3; overall 1.8.
  func toyMetrics(tolerance: Double) throws -> DisparityMetrics {
    let ids = try Tensor([Int64(0), 1, 2, 0, 1, 0, 2, 1, 0, 1])
    let dense = try Tensor([true, true, true, true, true, true, true, true, true, false])
    let sparse = try Tensor([true, true, false, true, true, true, true, false, false, false])
    let sparseLosses = try Tensor([Float(1), 0, 2, 2, 0, 3, 4, 1, 4, 1])
    return try DisparityMetrics(denseCorrect: dense, sparseCorrect: sparse, groupIDs: ids, spec: spec, tolerance: tolerance,
                                denseLosses: Tensor.full([10], value: 0.5), sparseLosses: sparseLosses)
  }

  func testToyTable() throws {
    let m = try toyMetrics(tolerance: 0.25)
    XCTAssertEqual(m.accuracy, 0.6, accuracy: 1e-12)
    XCTAssertEqual(m.denseAccuracy, 0.9, accuracy: 1e-12)
    XCTAssertEqual(m.gap, 0.3, accuracy: 1e-12)
    XCTAssertEqual(m.groups.map(\.name), ["A", "B", "C", "D"])
    XCTAssertEqual(m.groups.map(\.count), [4, 4, 2, 0])
    assertClose(m.groups.map(\.accuracy), [0.75, 0.5, 0.5, nil])
    assertClose(m.groups.map(\.denseAccuracy), [1, 0.75, 1, nil])
    assertClose(m.groups.map(\.gap), [0.25, 0.25, 0.5, nil])
    assertClose(m.groups.map(\.excessGap), [-0.05, -0.05, 0.2, nil])
    XCTAssertEqual(m.psiPW, 0.25, accuracy: 1e-12)
    XCTAssertEqual(m.maxExcessGap, 0.2, accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(m.gapStd), (1.0 / 48).squareRoot(), accuracy: 1e-12)
    XCTAssertEqual(m.excessGapQuantiles, [], "only 3 groups present")
    XCTAssertEqual(m.presentGroups.map(\.name), ["A", "B", "C"])
    XCTAssertEqual(try XCTUnwrap(m.loss), 1.8, accuracy: 1e-6)
    XCTAssertEqual(try XCTUnwrap(m.denseLoss), 0.5, accuracy: 1e-6)
    assertClose(m.groups.map(\.loss), [2.5, 0.5, 3, nil], atol: 1e-6)
    assertClose(m.groups.map(\.denseLoss), [0.5, 0.5, 0.5, nil], atol: 1e-6)
  }

  func testFeasibilityAtTwoTolerances() throws {
    let loose = try toyMetrics(tolerance: 0.25)
    XCTAssertTrue(loose.feasible, "max ψ 0.2 ≤ 0.25")
    let tight = try toyMetrics(tolerance: 0.1)
    XCTAssertFalse(tight.feasible, "max ψ 0.2 > 0.1")
    XCTAssertTrue(tight.isFeasible(tolerance: 0.21))
    XCTAssertFalse(tight.isFeasible(tolerance: 0.19))
  }

  func testReportJSONShapeWithNullsForAbsentGroup() throws {
    let m = try toyMetrics(tolerance: 0.1)
    let data = try JSONEncoder().encode(m)
    let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    for key in ["accuracy", "dense_accuracy", "gap", "psi_pw", "max_excess_gap", "feasible", "tolerance", "gap_std",
                "excess_gap_quantiles", "loss", "dense_loss", "groups"] {
      XCTAssertNotNil(json[key], "missing key \(key)")
    }
    XCTAssertEqual(try XCTUnwrap(json["psi_pw"] as? Double), 0.25, accuracy: 1e-12)
    XCTAssertEqual(json["feasible"] as? Bool, false)
    let groups = try XCTUnwrap(json["groups"] as? [[String: Any]])
    XCTAssertEqual(groups.count, 4)
    XCTAssertEqual(groups[2]["name"] as? String, "C")
    XCTAssertEqual(try XCTUnwrap(groups[2]["excess_gap"] as? Double), 0.2, accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(groups[1]["dense_accuracy"] as? Double), 0.75, accuracy: 1e-12)
    XCTAssertEqual(groups[3]["count"] as? Int, 0)
    for key in ["accuracy", "dense_accuracy", "gap", "excess_gap", "loss", "dense_loss"] {
      XCTAssertTrue(groups[3][key] is NSNull, "absent group's \(key) should be null, got \(String(describing: groups[3][key]))")
    }
    XCTAssertEqual(try JSONDecoder().decode(DisparityMetrics.self, from: data), m)
  }

  func testQuantilesWithMoreThanTenGroups() throws {
    // 11 groups; dense perfect, sparse group g at g/10, overall sparse 0.5: Δ = 0.5, ψ_g = 0.5 − g/10.
    let n = 11
    let names = (0..<n).map { "g\($0)" }
    let dense = try SplitPerformance(sampleCount: 110, accuracy: 1, groupCounts: Array(repeating: 10, count: n),
                                     groupAccuracies: Array(repeating: 1, count: n))
    let sparse = try SplitPerformance(sampleCount: 110, accuracy: 0.5, groupCounts: Array(repeating: 10, count: n),
                                      groupAccuracies: (0..<n).map { Double($0) / 10 })
    let m = try DisparityMetrics(dense: dense, sparse: sparse, groupNames: names, tolerance: 0.01)
    XCTAssertEqual(m.excessGapQuantiles.map(\.level), [0.5, 0.75, 0.9, 1.0])
    let expected = [0.0, 0.25, 0.4, 0.5]
    for (q, e) in zip(m.excessGapQuantiles, expected) { XCTAssertEqual(q.value, e, accuracy: 1e-12, "level \(q.level)") }
    XCTAssertEqual(m.psiPW, 1.0, accuracy: 1e-12)
    // Ten groups: no quantiles.
    let ten = try DisparityMetrics(
      dense: SplitPerformance(sampleCount: 100, accuracy: 1, groupCounts: Array(repeating: 10, count: 10),
                              groupAccuracies: Array(repeating: 1, count: 10)),
      sparse: SplitPerformance(sampleCount: 100, accuracy: 0.5, groupCounts: Array(repeating: 10, count: 10),
                               groupAccuracies: (0..<10).map { Double($0) / 10 }),
      groupNames: Array(names.prefix(10)), tolerance: 0.01)
    XCTAssertEqual(ten.excessGapQuantiles, [])
  }

  func testAccumulatorOverBatchesEqualsOneShot() throws {
    let ids = try Tensor([Int64(0), 1, 2, 0, 1, 0, 2, 1, 0, 1])
    let correct = try Tensor([true, true, false, true, true, true, true, false, false, false])
    let losses = try Tensor([Float(1), 0, 2, 2, 0, 3, 4, 1, 4, 1])
    let whole = try SplitPerformance(correct: correct, groupIDs: ids, numGroups: 4, losses: losses)
    var acc = try SplitPerformance.Accumulator(numGroups: 4)
    for (start, end) in [(0, 3), (3, 3), (3, 10)] {
      try acc.add(correct: correct.slice(dim: 0, start: start, end: end), groupIDs: ids.slice(dim: 0, start: start, end: end),
                  losses: losses.slice(dim: 0, start: start, end: end))
    }
    let copy = acc
    try acc.add(correct: correct, groupIDs: ids, losses: losses)  // the copy keeps its own totals
    XCTAssertEqual(try copy.result().sampleCount, 10)
    XCTAssertEqual(try acc.result().sampleCount, 20)
    acc = copy
    let batched = try acc.result()
    XCTAssertEqual(batched.sampleCount, 10)
    XCTAssertEqual(batched.groupCounts, whole.groupCounts)
    XCTAssertEqual(batched.accuracy, whole.accuracy, accuracy: 1e-12)
    assertClose(batched.groupAccuracies, whole.groupAccuracies)
    assertClose(batched.groupLosses, whole.groupLosses, atol: 1e-6)
    assertThrows(FairnessError.self, "losses were given for earlier batches but not for this one") {
      try acc.add(correct: correct, groupIDs: ids)
    }
  }

  func testSeparateGroupsCountSamplesOncePerAttribute() throws {
    let spec = try GroupSpec(attributes: [ProtectedAttribute(name: "r", values: ["r0", "r1"]),
                                          ProtectedAttribute(name: "s", values: ["s0", "s1"])], mode: .separate)
    let ids = try spec.groupIDs(attributes: Tensor([Int64(0), 0, 1, 1, 0, 1], shape: [3, 2]))  // [[0,2],[1,3],[0,3]]
    let m = try DisparityMetrics(denseCorrect: Tensor([true, true, true]), sparseCorrect: Tensor([true, false, true]),
                                 groupIDs: ids, spec: spec, tolerance: 0)
    XCTAssertEqual(m.groups.map(\.count), [2, 1, 1, 2])
    XCTAssertEqual(m.accuracy, 2.0 / 3, accuracy: 1e-12)
    assertClose(m.groups.map(\.accuracy), [1, 0, 1, 0.5])
    // Δ = 1/3; Δ_g = (0, 1, 0, 0.5); ψ = (−1/3, 2/3, −1/3, 1/6).
    assertClose(m.groups.map(\.excessGap), [-1.0 / 3, 2.0 / 3, -1.0 / 3, 1.0 / 6], atol: 1e-12)
    XCTAssertEqual(m.psiPW, 1, accuracy: 1e-12)
  }

  func testInvalidInput() throws {
    let p = try SplitPerformance(sampleCount: 4, accuracy: 0.5, groupCounts: [2, 2], groupAccuracies: [0.5, 0.5])
    let q = try SplitPerformance(sampleCount: 4, accuracy: 0.5, groupCounts: [3, 1], groupAccuracies: [0.5, 0.5])
    assertThrows(FairnessError.self, "group 'x' has 2 samples for dense, 3 for sparse") {
      _ = try DisparityMetrics(dense: p, sparse: q, groupNames: ["x", "y"], tolerance: 0.1)
    }
    assertThrows(FairnessError.self, "tolerance -0.1") { _ = try DisparityMetrics(dense: p, sparse: p, groupNames: ["x", "y"], tolerance: -0.1) }
    assertThrows(FairnessError.self, "1 group names") { _ = try DisparityMetrics(dense: p, sparse: p, groupNames: ["x"], tolerance: 0.1) }
    assertThrows(FairnessError.self, "the split has no samples") {
      _ = try SplitPerformance(correct: Tensor.zeros([0], dtype: .bool), groupIDs: Tensor.zeros([0], dtype: .int64), numGroups: 2)
    }
    assertThrows(FairnessError.self, "group id 4 is outside 0..<4") {
      _ = try DisparityMetrics(denseCorrect: Tensor([true]), sparseCorrect: Tensor([true]), groupIDs: Tensor([Int64(4)]),
                               spec: spec, tolerance: 0)
    }
  }
}
