import Fairness
import Torch
import XCTest

/// Per-group sums, counts, means and the present-group set on toy batches (SPEC 10), and the
/// gradient of per-group mean losses (SPEC 2.3).
final class GroupStatisticsTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  func testSumsCountsMeansAndAbsentGroup() throws {
    // Group 1 has no sample.
    let values = try Tensor([Float(1), 2, 3, 4, 5, 6])
    let ids = try Tensor([Int64(0), 2, 0, 2, 2, 3])
    let s = try GroupStatistics(values: values, groupIDs: ids, numGroups: 4)
    try assertClose(s.sums, shape: [4], [4, 0, 11, 6])
    XCTAssertEqual(try ints(s.counts), [2, 0, 3, 1])
    try assertClose(s.means, shape: [4], [2, 0, 11.0 / 3, 6])
    XCTAssertEqual(try s.presentMask().toArray(Bool.self), [true, false, true, true])
    XCTAssertEqual(try ints(s.presentGroups()), [0, 2, 3])
  }

  func testBoolValuesAndSeparateGroups() throws {
    let correct = try Tensor([true, false, true])
    let c = try GroupStatistics(values: correct, groupIDs: Tensor([Int64(0), 0, 1]), numGroups: 2)
    try assertClose(c.means, [0.5, 1])
    // Separate groups [N, 2]: each sample counts once per attribute.
    let ids = try Tensor([Int64(0), 2, 1, 3, 0, 3], shape: [3, 2])
    let s = try GroupStatistics(values: Tensor([Float(1), 2, 3]), groupIDs: ids, numGroups: 4)
    try assertClose(s.sums, [4, 2, 1, 5])
    XCTAssertEqual(try ints(s.counts), [2, 1, 1, 2])
    try assertClose(s.means, [2, 2, 1, 2.5])
  }

  func testEmptyBatch() throws {
    let s = try GroupStatistics(values: Tensor.zeros([0]), groupIDs: Tensor.zeros([0], dtype: .int64), numGroups: 3)
    try assertClose(s.means, [0, 0, 0])
    XCTAssertEqual(try s.presentGroups().shape, [0])
  }

  func testGradientOfGroupMeansReachesSamples() throws {
    let losses = try Tensor([Float(0.5), 1, 1.5, 2, 2.5, 3]).requiringGrad()
    let ids = try Tensor([Int64(0), 2, 0, 2, 2, 3])
    let s = try GroupStatistics(values: losses, groupIDs: ids, numGroups: 4)
    // Σ_g w_g L_g with w = (1, 0, 2, 3): ∂/∂ℓ_i = w_g / n_g.
    try (s.means * Tensor([Float(1), 0, 2, 3])).sum().backward()
    try assertClose(XCTUnwrap(losses.grad), [0.5, 2.0 / 3, 0.5, 2.0 / 3, 2.0 / 3, 3])
  }

  func testGradientOfLossGapSurrogate() throws {
    // ψ̃_0 = (L_0 − L_d,0) − (L − L_d): ∂/∂ℓ_i = [i ∈ g0]/n_0 − 1/N = 1/2 − 1/6 or −1/6.
    let losses = try Tensor([Float(0.5), 1, 1.5, 2, 2.5, 3]).requiringGrad()
    let s = try GroupStatistics(values: losses, groupIDs: Tensor([Int64(0), 2, 0, 2, 2, 3]), numGroups: 4)
    let surrogate = try (s.means.select(dim: 0, index: 0) - 0.7) - (losses.mean() - 1.2)
    try assertClose(surrogate, [(1.0 - 0.7) - (1.75 - 1.2)], atol: 1e-6)
    try surrogate.backward()
    try assertClose(XCTUnwrap(losses.grad), [1.0 / 3, -1.0 / 6, 1.0 / 3, -1.0 / 6, -1.0 / 6, -1.0 / 6])
  }

  func testInvalidInput() throws {
    let v = try Tensor([Float(1), 2])
    assertThrows(FairnessError.self, "group id 5 is outside 0..<4") { _ = try GroupStatistics(values: v, groupIDs: Tensor([Int64(0), 5]), numGroups: 4) }
    assertThrows(FairnessError.self, "group id -1") { _ = try GroupStatistics(values: v, groupIDs: Tensor([Int64(-1), 0]), numGroups: 4) }
    assertThrows(FairnessError.self, "shape [2]", "expected [3]") { _ = try GroupStatistics(values: v, groupIDs: Tensor([Int64(0), 1, 1]), numGroups: 4) }
    assertThrows(FairnessError.self, "must be int64, got float32") { _ = try GroupStatistics(values: v, groupIDs: v, numGroups: 4) }
    assertThrows(FairnessError.self, "numGroups is 0") { _ = try GroupStatistics(values: v, groupIDs: Tensor([Int64(0), 0]), numGroups: 0) }
  }
}
