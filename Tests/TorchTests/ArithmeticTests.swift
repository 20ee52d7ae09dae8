import Torch
import Foundation
import XCTest

/// Elementwise arithmetic with broadcasting, the Swift operators and comparisons.
final class ArithmeticTests: TorchTestCase {
  /// [[1, 2, 3], [4, 5, 6]] as float64.
  private func a() throws -> Tensor { try Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3]) }

  func testTensorTensorOperatorsBroadcast() throws {
    let row = try Tensor([10, 20, 30] as [Double])  // [3] broadcasts over rows
    let col = try Tensor([2, 4] as [Double], shape: [2, 1])  // [2, 1] broadcasts over columns
    assertClose(try a() + row, shape: [2, 3], [11, 22, 33, 14, 25, 36], atol: 1e-6, rtol: 1e-6)
    assertClose(try a() - row, shape: [2, 3], [-9, -18, -27, -6, -15, -24], atol: 1e-6, rtol: 1e-6)
    assertClose(try a() - col, shape: [2, 3], [-1, 0, 1, 0, 1, 2], atol: 1e-6, rtol: 1e-6)
    assertClose(try a() * col, shape: [2, 3], [2, 4, 6, 16, 20, 24], atol: 1e-6, rtol: 1e-6)
    assertClose(try a() / col, shape: [2, 3], [0.5, 1, 1.5, 1, 1.25, 1.5], atol: 1e-6, rtol: 1e-6)
    // [2, 1] with [3] gives [2, 3]
    assertClose(try col + row, shape: [2, 3], [12, 22, 32, 14, 24, 34], atol: 1e-6, rtol: 1e-6)
    assertClose(try row * col, shape: [2, 3], [20, 40, 60, 40, 80, 120], atol: 1e-6, rtol: 1e-6)
    // A 0-d tensor broadcasts everywhere.
    assertClose(try a() * Tensor(scalar: 0.5), shape: [2, 3], [0.5, 1, 1.5, 2, 2.5, 3], atol: 1e-6, rtol: 1e-6)
  }

  func testScalarOperatorsOnBothSides() throws {
    assertClose(try a() + 1.5, shape: [2, 3], [2.5, 3.5, 4.5, 5.5, 6.5, 7.5], atol: 1e-6, rtol: 1e-6)
    assertClose(try a() - 1, shape: [2, 3], [0, 1, 2, 3, 4, 5], atol: 1e-6, rtol: 1e-6)
    assertClose(try a() * 2, shape: [2, 3], [2, 4, 6, 8, 10, 12], atol: 1e-6, rtol: 1e-6)
    assertClose(try a() / 4, shape: [2, 3], [0.25, 0.5, 0.75, 1, 1.25, 1.5], atol: 1e-6, rtol: 1e-6)
    assertClose(try 1.5 + a(), shape: [2, 3], [2.5, 3.5, 4.5, 5.5, 6.5, 7.5], atol: 1e-6, rtol: 1e-6)
    assertClose(try 10 - a(), shape: [2, 3], [9, 8, 7, 6, 5, 4], atol: 1e-6, rtol: 1e-6)
    assertClose(try 3 * a(), shape: [2, 3], [3, 6, 9, 12, 15, 18], atol: 1e-6, rtol: 1e-6)
    assertClose(try -a(), shape: [2, 3], [-1, -2, -3, -4, -5, -6], atol: 1e-6, rtol: 1e-6)
    // Chained expressions: 2 - (a * 0.5) + 1
    assertClose(try 2 - (a() * 0.5) + 1, shape: [2, 3], [2.5, 2, 1.5, 1, 0.5, 0], atol: 1e-6, rtol: 1e-6)
    // The result keeps float64.
    XCTAssertEqual(try (10 - a()).dtype, .float64)
  }

  func testIntegerPromotion() throws {
    let i = try Tensor([Int64(1), 2, 3])
    let plusHalf = try i + 0.5
    XCTAssertEqual(plusHalf.dtype, .float32, "int64 + Python-style float scalar promotes to the default float type")
    assertClose(plusHalf, shape: [3], [1.5, 2.5, 3.5], atol: 1e-6, rtol: 1e-6)
    let sum = try i + i
    assertTensor(sum, shape: [3], exactly: [Int64(2), 4, 6])
    // Division of integers is true division.
    assertClose(try i / Tensor([Int64(2), 2, 2]), shape: [3], [0.5, 1, 1.5], atol: 1e-6, rtol: 1e-6)
    // A floating-point scalar promotes integers too; the remainder takes the divisor's sign.
    let r = try Tensor([Int64(-7), 7]).remainder(3)
    XCTAssertEqual(r.dtype, .float32)
    assertClose(r, shape: [2], [2, 1], atol: 1e-6, rtol: 1e-6)
  }

  func testPowMaximumMinimum() throws {
    let x = try Tensor([2, 3, 4] as [Double])
    assertClose(try x.pow(2), shape: [3], [4, 9, 16], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.pow(Tensor([3, 0.5, -1] as [Double])), shape: [3], [8, 3.0.squareRoot(), 0.25], atol: 1e-15, rtol: 1e-15)
    let y = try Tensor([3, 1, 4] as [Double])
    assertClose(try x.maximum(y), shape: [3], [3, 3, 4], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.minimum(y), shape: [3], [2, 1, 4], atol: 1e-6, rtol: 1e-6)
    assertClose(try Tensor([-7, 7] as [Double]).remainder(3), shape: [2], [2, 1], atol: 1e-6, rtol: 1e-6)
  }

  func testUnaryFunctions() throws {
    let x = try Tensor([-2, -0.5, 0, 0.5, 7] as [Double])
    assertClose(try x.abs(), shape: [5], [2, 0.5, 0, 0.5, 7], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.relu(), shape: [5], [0, 0, 0, 0.5, 7], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.relu6(), shape: [5], [0, 0, 0, 0.5, 6], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.sign(), shape: [5], [-1, -1, 0, 1, 1], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.square(), shape: [5], [4, 0.25, 0, 0.25, 49], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.floor(), shape: [5], [-2, -1, 0, 0, 7], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.ceil(), shape: [5], [-2, -0, 0, 1, 7], atol: 1e-6, rtol: 1e-6)
    // round half to even, as torch.round
    assertClose(try Tensor([0.5, 1.5, 2.5, -0.5] as [Double]).round(), shape: [4], [0, 2, 2, -0], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.clamp(min: -1, max: 1), shape: [5], [-1, -0.5, 0, 0.5, 1], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.clamp(min: 0.25), shape: [5], [0.25, 0.25, 0.25, 0.5, 7], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.clamp(max: 0), shape: [5], [-2, -0.5, 0, 0, 0], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.exp(), shape: [5], [-2, -0.5, 0, 0.5, 7].map { Foundation.exp($0) }, atol: 1e-15, rtol: 1e-15)
    assertClose(try x.sigmoid(), shape: [5], [-2, -0.5, 0, 0.5, 7].map { 1 / (1 + Foundation.exp(-$0)) }, atol: 1e-15, rtol: 1e-15)
    assertClose(try x.tanh(), shape: [5], [-2, -0.5, 0, 0.5, 7].map { Foundation.tanh($0) }, atol: 1e-15, rtol: 1e-15)
    assertClose(try x.sin(), shape: [5], [-2, -0.5, 0, 0.5, 7].map { Foundation.sin($0) }, atol: 1e-15, rtol: 1e-15)
    assertClose(try x.cos(), shape: [5], [-2, -0.5, 0, 0.5, 7].map { Foundation.cos($0) }, atol: 1e-15, rtol: 1e-15)

    let p = try Tensor([0.25, 1, 4] as [Double])
    assertClose(try p.sqrt(), shape: [3], [0.5, 1, 2], atol: 1e-6, rtol: 1e-6)
    assertClose(try p.rsqrt(), shape: [3], [2, 1, 0.5], atol: 1e-6, rtol: 1e-6)
    assertClose(try p.reciprocal(), shape: [3], [4, 1, 0.25], atol: 1e-6, rtol: 1e-6)
    assertClose(try p.log(), shape: [3], [Foundation.log(0.25), 0, Foundation.log(4)], atol: 1e-15, rtol: 1e-15)
    assertClose(try p.log1p(), shape: [3], [Foundation.log1p(0.25), Foundation.log(2), Foundation.log(5)], atol: 1e-15, rtol: 1e-15)

    let special = try Tensor([Double.nan, .infinity, 1] as [Double])
    assertTensor(try special.isnan(), shape: [3], exactly: [true, false, false])
    assertTensor(try special.isfinite(), shape: [3], exactly: [false, false, true])
    assertTensor(try Tensor([-1.0]).log().isnan(), shape: [1], exactly: [true])
  }

  func testComparisonsBroadcastToBool() throws {
    let x = try a()
    let row = try Tensor([1, 5, 3] as [Double])
    assertTensor(try x.eq(row), shape: [2, 3], exactly: [true, false, true, false, true, false])
    assertTensor(try x.ne(row), shape: [2, 3], exactly: [false, true, false, true, false, true])
    assertTensor(try x.lt(row), shape: [2, 3], exactly: [false, true, false, false, false, false])
    assertTensor(try x.le(row), shape: [2, 3], exactly: [true, true, true, false, true, false])
    assertTensor(try x.gt(row), shape: [2, 3], exactly: [false, false, false, true, false, true])
    assertTensor(try x.ge(row), shape: [2, 3], exactly: [true, false, true, true, true, true])
    assertTensor(try x.eq(4), shape: [2, 3], exactly: [false, false, false, true, false, false])
    assertTensor(try x.ne(4), shape: [2, 3], exactly: [true, true, true, false, true, true])
    assertTensor(try x.lt(3), shape: [2, 3], exactly: [true, true, false, false, false, false])
    assertTensor(try x.le(3), shape: [2, 3], exactly: [true, true, true, false, false, false])
    assertTensor(try x.gt(3), shape: [2, 3], exactly: [false, false, false, true, true, true])
    assertTensor(try x.ge(3), shape: [2, 3], exactly: [false, false, true, true, true, true])

    let p = try Tensor([true, true, false, false])
    let q = try Tensor([true, false, true, false])
    assertTensor(try p.logicalAnd(q), shape: [4], exactly: [true, false, false, false])
    assertTensor(try p.logicalOr(q), shape: [4], exactly: [true, true, true, false])
    assertTensor(try p.logicalNot(), shape: [4], exactly: [false, false, true, true])
  }

  func testMatmul() throws {
    // [2, 3] x [3, 2]
    let b = try Tensor([1, 0, 0, 1, 2, -1] as [Double], shape: [3, 2])
    // rows of a: [1,2,3] -> [1+6, 2-3] = [7, -1]; [4,5,6] -> [4+12, 5-6] = [16, -1]
    assertClose(try a().matmul(b), shape: [2, 2], [7, -1, 16, -1], atol: 1e-6, rtol: 1e-6)
    // matrix-vector
    assertClose(try a().matmul(Tensor([1, 1, 1] as [Double])), shape: [2], [6, 15], atol: 1e-6, rtol: 1e-6)
    // batched: [2, 2, 3] x [3, 2]
    let batch = try Tensor.stack([a(), a() * 2])
    assertClose(try batch.matmul(b), shape: [2, 2, 2], [7, -1, 16, -1, 14, -2, 32, -2], atol: 1e-6, rtol: 1e-6)
  }
}

extension ArithmeticTests {
  func testScalarMinusTensorIsATrueSubtraction() throws {
    // s - a must be s + (-a) in IEEE terms: 1 - 1 is +0, so its reciprocal is +inf
    // (negating a - s instead would give -0 and -inf). Python: 1 / (1 - torch.tensor([1., 0.25, 2.]))
    let x = try Tensor([1, 0.25, 2] as [Double])
    let d = try 1 - x
    let values = try d.toArray(Double.self)
    XCTAssertEqual(values, [0, 0.75, -1])
    XCTAssertEqual(values[0].sign, .plus, "1 - 1 is +0")
    assertClose(try d.reciprocal(), shape: [3], [.infinity, 4.0 / 3, -1], atol: 1e-15, rtol: 1e-15)
    // Integers: a float scalar promotes before subtracting, so nothing wraps around.
    let u = try Tensor([UInt8(3), 9])
    let r = try 5 - u
    XCTAssertEqual(r.dtype, .float32)
    assertClose(r, shape: [2], [2, -4], atol: 1e-6, rtol: 1e-6)
    // and the gradient of s - a is -1
    let y = try Tensor([0.5, 3] as [Double]).requiringGrad()
    try (2 - y).sum().backward()
    assertClose(try XCTUnwrap(y.grad), shape: [2], [-1, -1], atol: 1e-6, rtol: 1e-6)
  }
}
