import Torch
import XCTest

/// In-place ops write through every alias: a second Swift reference, a view, a detached tensor.
final class InPlaceTests: TorchTestCase {
  private func vector(_ values: [Double]) throws -> Tensor { try Tensor(values) }

  func testAddWithAlphaWritesThroughAlias() throws {
    let a = try vector([1, 2, 3, 4])
    let b = a
    try a.add_(vector([10, 20, 30, 40]), alpha: 0.5)
    assertClose(b, shape: [4], [6, 12, 18, 24], atol: 1e-6, rtol: 1e-6)
    try a.add_(vector([1, 1, 1, 1]))  // alpha 1 takes the plain add path
    assertClose(b, shape: [4], [7, 13, 19, 25], atol: 1e-6, rtol: 1e-6)
    try a.add_(vector([2, 4, 6, 8]), alpha: -2)
    assertClose(b, shape: [4], [3, 5, 7, 9], atol: 1e-6, rtol: 1e-6)
    try a.add_(0.5)
    assertClose(b, shape: [4], [3.5, 5.5, 7.5, 9.5], atol: 1e-6, rtol: 1e-6)
    try a.sub_(vector([0.5, 0.5, 0.5, 0.5]))
    try a.sub_(1)
    assertClose(b, shape: [4], [2, 4, 6, 8], atol: 1e-6, rtol: 1e-6)
  }

  func testMulAndDivWriteThroughAlias() throws {
    let a = try vector([1, 2, 3, 4])
    let b = a
    try a.mul_(vector([2, 0.5, -1, 0]))
    assertClose(b, shape: [4], [2, 1, -3, 0], atol: 1e-6, rtol: 1e-6)
    try a.mul_(3)
    assertClose(b, shape: [4], [6, 3, -9, 0], atol: 1e-6, rtol: 1e-6)
    try a.div_(vector([2, 3, 3, 1]))
    assertClose(b, shape: [4], [3, 1, -3, 0], atol: 1e-6, rtol: 1e-6)
    try a.div_(2)
    assertClose(b, shape: [4], [1.5, 0.5, -1.5, 0], atol: 1e-6, rtol: 1e-6)
  }

  func testAddcmulAndAddcdiv() throws {
    let a = try vector([1, 2, 3, 4])
    let b = a
    let t1 = try vector([1, 2, 3, 4]), t2 = try vector([0.5, -1, 2, 0.25])
    // a + 2 · t1 · t2 = [1 + 1, 2 - 4, 3 + 12, 4 + 2]
    try a.addcmul_(t1, t2, value: 2)
    assertClose(b, shape: [4], [2, -2, 15, 6], atol: 1e-6, rtol: 1e-6)
    // a - t1 / t2 = [2 - 2, -2 + 2, 15 - 1.5, 6 - 16]
    try a.addcdiv_(t1, t2, value: -1)
    assertClose(b, shape: [4], [0, 0, 13.5, -10], atol: 1e-6, rtol: 1e-6)
    // default value 1
    try a.addcmul_(t1, t1)
    assertClose(b, shape: [4], [1, 4, 22.5, 6], atol: 1e-6, rtol: 1e-6)
    try a.addcdiv_(t2, t1)
    assertClose(b, shape: [4], [1.5, 3.5, 22.5 + 2.0 / 3, 6.0625], atol: 1e-6, rtol: 1e-6)
  }

  func testCopyZeroFillClamp() throws {
    let a = try Tensor.zeros([2, 2], dtype: .float64)
    let b = a
    // copy_ broadcasts and converts: a float32 row into float64 rows
    try a.copy_(Tensor([1.5, -2.5] as [Float]))
    assertClose(b, shape: [2, 2], [1.5, -2.5, 1.5, -2.5], atol: 1e-6, rtol: 1e-6)
    XCTAssertEqual(b.dtype, .float64)
    try a.clampMin_(0)
    assertClose(b, shape: [2, 2], [1.5, 0, 1.5, 0], atol: 1e-6, rtol: 1e-6)
    try a.copy_(vector([-1, 5, 3, -7]).reshaped([2, 2]))
    try a.clampMax_(2)
    assertClose(b, shape: [2, 2], [-1, 2, 2, -7], atol: 1e-6, rtol: 1e-6)
    try a.maximum_(vector([0, 0, 5, -8]).reshaped([2, 2]))
    assertClose(b, shape: [2, 2], [0, 2, 5, -7], atol: 1e-6, rtol: 1e-6)
    try a.fill_(3.25)
    assertClose(b, shape: [2, 2], [3.25, 3.25, 3.25, 3.25], atol: 1e-6, rtol: 1e-6)
    try a.zero_()
    assertClose(b, shape: [2, 2], [0, 0, 0, 0], atol: 1e-6, rtol: 1e-6)
    XCTAssertTrue(try a.sharesData(with: b))
  }

  func testWritesReachViewsAndDetachedTensors() throws {
    let base = try Tensor.arange(6, dtype: .float64).reshaped([2, 3])
    let row = try base.select(dim: 0, index: 1)
    try row.mul_(10)
    assertClose(base, shape: [2, 3], [0, 1, 2, 30, 40, 50], atol: 1e-6, rtol: 1e-6)
    let column = try base.slice(dim: 1, start: 0, end: 1)
    try column.fill_(-1)
    assertClose(base, shape: [2, 3], [-1, 1, 2, -1, 40, 50], atol: 1e-6, rtol: 1e-6)
    let detached = try base.detached()
    try detached.zero_()
    assertClose(base, shape: [2, 3], [0, 0, 0, 0, 0, 0], atol: 1e-6, rtol: 1e-6)
    // A clone is independent.
    let copy = try base.clone()
    try copy.fill_(9)
    assertClose(base, shape: [2, 3], [0, 0, 0, 0, 0, 0], atol: 1e-6, rtol: 1e-6)
  }

  func testIntegerTensorsInPlace() throws {
    let counts = try Tensor.zeros([3], dtype: .int64)
    let alias = counts
    try counts.add_(Tensor([Int64(1), 2, 3]), alpha: 2)
    assertTensor(alias, shape: [3], exactly: [Int64(2), 4, 6])
    // Whole-number scalars keep integer tensors integral, as Python ints do in PyTorch.
    try counts.add_(1)
    assertTensor(alias, shape: [3], exactly: [Int64(3), 5, 7])
    try counts.mul_(3)
    try counts.sub_(2)
    assertTensor(alias, shape: [3], exactly: [Int64(7), 13, 19])
    try counts.clampMin_(8)
    try counts.clampMax_(14)
    assertTensor(alias, shape: [3], exactly: [Int64(8), 13, 14])
    XCTAssertEqual(alias.dtype, .int64)
    try counts.fill_(7)
    assertTensor(alias, shape: [3], exactly: [Int64(7), 7, 7])
    // A fractional scalar or alpha cannot be applied to an int64 tensor in place.
    assertThrows(TorchError.self, "result type Float can't be cast to the desired output type Long") { try counts.add_(1.5) }
    assertThrows(TorchError.self, "For integral input tensors, argument alpha must not be a floating point number.") { try counts.add_(Tensor([Int64(1), 1, 1]), alpha: 0.5) }
    assertTensor(alias, shape: [3], exactly: [Int64(7), 7, 7])
    // A float result cannot be written into an int64 tensor.
    assertThrows(TorchError.self, "result type Float can't be cast to the desired output type Long") { try counts.add_(Tensor([0.5, 0.5, 0.5] as [Float])) }
  }

  func testBroadcastingInPlaceAndItsLimit() throws {
    let m = try Tensor.zeros([2, 3], dtype: .float64)
    try m.add_(vector([1, 2, 3]))
    assertClose(m, shape: [2, 3], [1, 2, 3, 1, 2, 3], atol: 1e-6, rtol: 1e-6)
    // The result must keep self's shape.
    assertThrows(TorchError.self, "output with shape [3] doesn't match the broadcast shape [2, 3]") { try vector([1, 2, 3]).add_(m) }
  }

  func testInPlaceOnLeavesNeedsNoGrad() throws {
    let w = try vector([1, 2]).requiringGrad()
    assertThrows(TorchError.self, "a leaf Variable that requires grad is being used in an in-place operation") { try w.mul_(2) }
    try Torch.withNoGrad { try w.add_(vector([1, 1]), alpha: -0.5) }
    assertClose(w, shape: [2], [0.5, 1.5], atol: 1e-6, rtol: 1e-6)
    XCTAssertTrue(w.requiresGrad)
    // An in-place op under grad mode on a non-leaf is recorded: d/dw sum((w·3)·2) = 6.
    let h = try w * 3
    try h.mul_(2)
    try h.sum().backward()
    assertClose(try XCTUnwrap(w.grad), shape: [2], [6, 6], atol: 1e-6, rtol: 1e-6)
  }
}
