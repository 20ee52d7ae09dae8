import Torch
import Foundation
import XCTest

/// Reductions, ordering ops and counting. The matrix has no ties, so every index is unique.
final class ReductionTests: TorchTestCase {
  /// [[3, 1, 4, 0], [5, 9, 2, 6], [7, -3, 5, 8]] as float32.
  private func m() throws -> Tensor {
    try Tensor([3, 1, 4, 0, 5, 9, 2, 6, 7, -3, 5, 8] as [Float], shape: [3, 4])
  }

  func testSumAndMean() throws {
    let x = try m()
    assertClose(try x.sum(), shape: [], [47], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.sum(dim: 1), shape: [3], [8, 22, 17], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.sum(dim: 0), shape: [4], [15, 7, 11, 14], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.sum(dim: -1, keepDim: true), shape: [3, 1], [8, 22, 17], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.sum(dims: [0, 1]), shape: [], [47], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.mean(), shape: [], [47.0 / 12], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.mean(dim: 1), shape: [3], [2, 5.5, 4.25], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.mean(dim: 0, keepDim: true), shape: [1, 4], [5, 7.0 / 3, 11.0 / 3, 14.0 / 3], atol: 1e-6, rtol: 1e-6)
    // Integer sums stay int64.
    let s = try Tensor.arange(5).sum()
    XCTAssertEqual(s.dtype, .int64)
    XCTAssertEqual(try s.itemInt(), 10)
    // Sum of a bool tensor counts the trues.
    XCTAssertEqual(try Tensor([true, false, true]).sum().itemInt(), 2)
  }

  func testMaxMinWithIndices() throws {
    let x = try m()
    XCTAssertEqual(try x.max().item(), 9)
    XCTAssertEqual(try x.min().item(), -3)
    let (maxValues, maxIndices) = try x.max(dim: 1)
    assertClose(maxValues, shape: [3], [4, 9, 8], atol: 1e-6, rtol: 1e-6)
    assertTensor(maxIndices, shape: [3], exactly: [Int64(2), 1, 3])
    let (minValues, minIndices) = try x.min(dim: 0)
    assertClose(minValues, shape: [4], [3, -3, 2, 0], atol: 1e-6, rtol: 1e-6)
    assertTensor(minIndices, shape: [4], exactly: [Int64(0), 2, 1, 0])
    let kept = try x.max(dim: 0, keepDim: true)
    assertClose(kept.values, shape: [1, 4], [7, 9, 5, 8], atol: 1e-6, rtol: 1e-6)
    assertTensor(kept.indices, shape: [1, 4], exactly: [Int64(2), 1, 2, 2])
  }

  func testArgmax() throws {
    let x = try m()
    assertTensor(try x.argmax(), shape: [], exactly: [Int64(5)])
    assertTensor(try x.argmax(dim: 0), shape: [4], exactly: [Int64(2), 1, 2, 2])
    assertTensor(try x.argmax(dim: 1, keepDim: true), shape: [3, 1], exactly: [Int64(2), 1, 3])
  }

  func testTopk() throws {
    let x = try m()
    let top = try x.topk(2, dim: 1)
    assertClose(top.values, shape: [3, 2], [4, 3, 9, 6, 8, 7], atol: 1e-6, rtol: 1e-6)
    assertTensor(top.indices, shape: [3, 2], exactly: [Int64(2), 0, 1, 3, 3, 0])
    let bottom = try x.topk(2, dim: 0, largest: false)
    assertClose(bottom.values, shape: [2, 4], [3, -3, 2, 0, 5, 1, 4, 6], atol: 1e-6, rtol: 1e-6)
    assertTensor(bottom.indices, shape: [2, 4], exactly: [Int64(0), 2, 1, 0, 1, 0, 0, 1])
    assertThrows(TorchError.self, "selected index k out of range") { try x.topk(5, dim: 1) }
  }

  func testKthvalue() throws {
    let x = try m()
    // rows sorted: [0,1,3,4], [2,5,6,9], [-3,5,7,8]; the 2nd smallest of each
    let k2 = try x.kthvalue(2, dim: 1)
    assertClose(k2.values, shape: [3], [1, 5, 5], atol: 1e-6, rtol: 1e-6)
    assertTensor(k2.indices, shape: [3], exactly: [Int64(1), 0, 2])
    // 3rd smallest of each column, keeping the dimension: columns [3,5,7], [1,9,-3], [4,2,5], [0,6,8]
    let k3 = try x.kthvalue(3, dim: 0, keepDim: true)
    assertClose(k3.values, shape: [1, 4], [7, 9, 5, 8], atol: 1e-6, rtol: 1e-6)
    assertTensor(k3.indices, shape: [1, 4], exactly: [Int64(2), 1, 2, 2])
  }

  func testSort() throws {
    let x = try m()
    let up = try x.sorted(dim: 1)
    assertClose(up.values, shape: [3, 4], [0, 1, 3, 4, 2, 5, 6, 9, -3, 5, 7, 8], atol: 1e-6, rtol: 1e-6)
    assertTensor(up.indices, shape: [3, 4], exactly: [Int64(3), 1, 0, 2, 2, 0, 3, 1, 1, 2, 0, 3])
    let down = try x.sorted(dim: 1, descending: true)
    assertClose(down.values, shape: [3, 4], [4, 3, 1, 0, 9, 6, 5, 2, 8, 7, 5, -3], atol: 1e-6, rtol: 1e-6)
    assertTensor(down.indices, shape: [3, 4], exactly: [Int64(2), 0, 1, 3, 1, 3, 0, 2, 3, 0, 2, 1])
    let columns = try x.sorted(dim: 0)
    assertClose(columns.values, shape: [3, 4], [3, -3, 2, 0, 5, 1, 4, 6, 7, 9, 5, 8], atol: 1e-6, rtol: 1e-6)
    assertTensor(columns.indices, shape: [3, 4], exactly: [Int64(0), 2, 1, 0, 1, 0, 0, 1, 2, 1, 2, 2])
  }

  func testBincount() throws {
    let values = try Tensor([Int64(1), 1, 3, 0, 3, 3])
    assertTensor(try values.bincount(), shape: [4], exactly: [Int64(1), 2, 0, 3])
    assertTensor(try values.bincount(minLength: 6), shape: [6], exactly: [Int64(1), 2, 0, 3, 0, 0])
    // minLength below the largest value + 1 changes nothing.
    assertTensor(try values.bincount(minLength: 2), shape: [4], exactly: [Int64(1), 2, 0, 3])
    let weights = try Tensor([0.5, 0.25, 2, 1, -1, 4] as [Double])
    // bin 0: 1; bin 1: 0.5 + 0.25; bin 3: 2 - 1 + 4
    let weighted = try values.bincount(weights: weights, minLength: 5)
    XCTAssertEqual(weighted.dtype, .float64)
    assertClose(weighted, shape: [5], [1, 0.75, 0, 5, 0], atol: 1e-6, rtol: 1e-6)
    assertTensor(try Tensor([Int64]()).bincount(minLength: 3), shape: [3], exactly: [Int64(0), 0, 0])
    assertThrows(TorchError.self, "bincount only supports 1-d non-negative integral inputs") { try Tensor([Int64(-1), 2]).bincount() }
  }

  func testCumsum() throws {
    let x = try m()
    assertClose(try x.cumsum(dim: 1), shape: [3, 4], [3, 4, 8, 8, 5, 14, 16, 22, 7, 4, 9, 17], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.cumsum(dim: 0), shape: [3, 4], [3, 1, 4, 0, 8, 10, 6, 6, 15, 7, 11, 14], atol: 1e-6, rtol: 1e-6)
    assertTensor(try Tensor.arange(1, 5, dtype: .int64).cumsum(dim: 0), shape: [4], exactly: [Int64(1), 3, 6, 10])
  }

  func testNorm() throws {
    let x = try m()
    // 9+1+16+0 + 25+81+4+36 + 49+9+25+64 = 319
    assertClose(try x.norm(), shape: [], [Double(319).squareRoot()], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.norm(p: 1, dims: [1]), shape: [3], [8, 22, 23], atol: 1e-6, rtol: 1e-6)
    assertClose(try x.norm(p: .infinity, dims: [0]), shape: [4], [7, 9, 5, 8], atol: 1e-6, rtol: 1e-6)
    // column 2-norms: sqrt(9+25+49), sqrt(1+81+9), sqrt(16+4+25), sqrt(0+36+64)
    assertClose(try x.norm(dims: [0], keepDim: true), shape: [1, 4],
                 [Double(83).squareRoot(), Double(91).squareRoot(), Double(45).squareRoot(), 10], atol: 1e-6, rtol: 1e-6)
  }

  func testSoftmaxRows() throws {
    let x = try Tensor([1, 2, 3, 0, 0, 0] as [Double], shape: [2, 3])
    let e: [Double] = [1, 2, 3].map { Foundation.exp($0) }
    let z: Double = e.reduce(0, +)
    let third: Double = 1.0 / 3
    let softmax: [Double] = e.map { $0 / z } + [third, third, third]
    assertClose(try x.softmax(dim: 1), shape: [2, 3], softmax, atol: 1e-15, rtol: 1e-15)
    let logSoftmax: [Double] = softmax.map { Foundation.log($0) }
    assertClose(try x.logSoftmax(dim: 1), shape: [2, 3], logSoftmax, atol: 1e-14, rtol: 1e-14)
  }
}
