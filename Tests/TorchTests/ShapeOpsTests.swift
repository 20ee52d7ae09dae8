import Torch
import XCTest

/// Shape, indexing and selection ops, checked against hand-written results.
final class ShapeOpsTests: TorchTestCase {
  /// [[0, 1, 2], [3, 4, 5]] as float32.
  private func grid() throws -> Tensor { try Tensor.arange(0, 6, dtype: .float32).reshaped([2, 3]) }

  func testReshapeAndView() throws {
    let t = try Tensor.arange(6)
    assertTensor(try t.reshaped([3, 2]), shape: [3, 2], exactly: [Int64(0), 1, 2, 3, 4, 5])
    assertTensor(try t.reshaped([-1, 3]), shape: [2, 3], exactly: [Int64(0), 1, 2, 3, 4, 5])
    let v = try t.view([2, 1, 3])
    assertTensor(v, shape: [2, 1, 3], exactly: [Int64(0), 1, 2, 3, 4, 5])
    XCTAssertTrue(try v.sharesData(with: t), "view aliases the storage")
    assertThrows(TorchError.self, "shape '[4, 2]' is invalid for input of size 6") { try t.reshaped([4, 2]) }
    // A transposed tensor cannot be viewed flat, but can be reshaped (which copies).
    let tt = try t.view([2, 3]).transposed(0, 1)
    assertThrows(TorchError.self, "view size is not compatible with input tensor's size and stride") { try tt.view([6]) }
    assertTensor(try tt.reshaped([6]), shape: [6], exactly: [Int64(0), 3, 1, 4, 2, 5])
  }

  func testPermuteAndTranspose() throws {
    // t[i, j, k] = 6i + 3j... laid out as arange(12).view(2, 2, 3)
    let t = try Tensor.arange(12).view([2, 2, 3])
    // permute(2, 0, 1): p[k, i, j] = t[i, j, k] = 6i + 3j + k
    assertTensor(try t.permuted([2, 0, 1]).contiguous(), shape: [3, 2, 2],
                 exactly: [Int64(0), 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11])
    // transpose(0, 2): q[k, j, i] = 6i + 3j + k
    assertTensor(try t.transposed(0, 2), shape: [3, 2, 2], exactly: [Int64(0), 6, 3, 9, 1, 7, 4, 10, 2, 8, 5, 11])
    assertClose(try grid().transposed(-1, -2), shape: [3, 2], [0, 3, 1, 4, 2, 5], atol: 1e-6, rtol: 1e-6)
  }

  func testCatAndStack() throws {
    let a = try grid()
    let b = try Tensor([10, 11, 12] as [Float], shape: [1, 3])
    assertClose(try Tensor.cat([a, b]), shape: [3, 3], [0, 1, 2, 3, 4, 5, 10, 11, 12], atol: 1e-6, rtol: 1e-6)
    let c = try Tensor([7, 8] as [Float], shape: [2, 1])
    assertClose(try Tensor.cat([a, c], dim: 1), shape: [2, 4], [0, 1, 2, 7, 3, 4, 5, 8], atol: 1e-6, rtol: 1e-6)
    assertClose(try Tensor.cat([c, a], dim: -1), shape: [2, 4], [7, 0, 1, 2, 8, 3, 4, 5], atol: 1e-6, rtol: 1e-6)

    let x = try Tensor([1, 2] as [Float]), y = try Tensor([3, 4] as [Float])
    assertClose(try Tensor.stack([x, y]), shape: [2, 2], [1, 2, 3, 4], atol: 1e-6, rtol: 1e-6)
    assertClose(try Tensor.stack([x, y], dim: 1), shape: [2, 2], [1, 3, 2, 4], atol: 1e-6, rtol: 1e-6)
    assertClose(try Tensor.stack([x, y, x], dim: -1), shape: [2, 3], [1, 3, 1, 2, 4, 2], atol: 1e-6, rtol: 1e-6)
    assertThrows(TorchError.self, "stack expects each tensor to be equal size") { try Tensor.stack([x, b]) }
  }

  func testSliceAndSelect() throws {
    let t = try Tensor.arange(20).view([4, 5])
    assertTensor(try t.slice(dim: 1, start: 1, end: 5, step: 2), shape: [4, 2], exactly: [Int64(1), 3, 6, 8, 11, 13, 16, 18])
    assertTensor(try t.slice(dim: 0, start: 2, end: 100), shape: [2, 5], exactly: Array(Int64(10)..<20))
    assertTensor(try t.slice(dim: 0, start: -1, end: 4), shape: [1, 5], exactly: [Int64(15), 16, 17, 18, 19])
    assertTensor(try t.select(dim: 0, index: 2), shape: [5], exactly: [Int64(10), 11, 12, 13, 14])
    assertTensor(try t.select(dim: 1, index: -1), shape: [4], exactly: [Int64(4), 9, 14, 19])
    // Slices are views: writing through one changes the base.
    let column = try t.select(dim: 1, index: 0)
    try column.fill_(-1)
    assertTensor(try t.select(dim: 1, index: 0), shape: [4], exactly: [Int64(-1), -1, -1, -1])
    assertThrows(TorchError.self, "index 4 out of range for tensor of size [4, 5] at dimension 0") { try t.select(dim: 0, index: 4) }
  }

  func testIndexSelectAndMaskedSelect() throws {
    let a = try grid()
    let idx = try Tensor([Int64(2), 0, 2])
    assertClose(try a.indexSelect(dim: 1, index: idx), shape: [2, 3], [2, 0, 2, 5, 3, 5], atol: 1e-6, rtol: 1e-6)
    assertClose(try a.indexSelect(dim: 0, index: Tensor([Int64(1)])), shape: [1, 3], [3, 4, 5], atol: 1e-6, rtol: 1e-6)
    let mask = try a.gt(2.5)
    assertTensor(mask, shape: [2, 3], exactly: [false, false, false, true, true, true])
    assertClose(try a.maskedSelect(mask), shape: [3], [3, 4, 5], atol: 1e-6, rtol: 1e-6)
  }

  func testGather() throws {
    // out[i][j] = a[i][index[i][j]] along dim 1
    let a = try grid()
    let index = try Tensor([Int64(2), 2, 0, 1, 0, 1], shape: [2, 3])
    assertClose(try a.gather(dim: 1, index: index), shape: [2, 3], [2, 2, 0, 4, 3, 4], atol: 1e-6, rtol: 1e-6)
    // along dim 0: out[i][j] = a[index[i][j]][j]
    let index0 = try Tensor([Int64(1), 0, 1], shape: [1, 3])
    assertClose(try a.gather(dim: 0, index: index0), shape: [1, 3], [3, 1, 5], atol: 1e-6, rtol: 1e-6)
  }

  func testScatterAdd() throws {
    // self[index[i][j]][j] += src[i][j] along dim 0
    let base = try Tensor.zeros([3, 2])
    let index = try Tensor([Int64(0), 2, 0, 0, 2, 1], shape: [3, 2])
    let src = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [3, 2])
    // column 0: rows 0,0,2 get 1,3,5 -> [4, 0, 5]; column 1: rows 2,0,1 get 2,4,6 -> [4, 6, 2]
    let out = try base.scatterAdd(dim: 0, index: index, source: src)
    assertClose(out, shape: [3, 2], [4, 4, 0, 6, 5, 2], atol: 1e-6, rtol: 1e-6)
    assertClose(base, shape: [3, 2], [0, 0, 0, 0, 0, 0], atol: 1e-6, rtol: 1e-6, "scatterAdd leaves self unchanged")
    // Bincount-like use along dim 0 of a 1-D tensor.
    let counts = try Tensor.zeros([4], dtype: .int64)
      .scatterAdd(dim: 0, index: Tensor([Int64(3), 1, 3, 3]), source: Tensor.ones([4], dtype: .int64))
    assertTensor(counts, shape: [4], exactly: [Int64(0), 1, 0, 3])
  }

  func testIndexPut() throws {
    let t = try Tensor.zeros([4])
    let alias = t
    try t.indexPut_(index: Tensor([Int64(1), 3]), values: Tensor([5, 7] as [Float]))
    assertClose(alias, shape: [4], [0, 5, 0, 7], atol: 1e-6, rtol: 1e-6)
    try t.indexPut_(index: Tensor([Int64(1), 1]), values: Tensor([1, 2] as [Float]), accumulate: true)
    assertClose(alias, shape: [4], [0, 8, 0, 7], atol: 1e-6, rtol: 1e-6)
  }

  func testMaskedFillAndWhere() throws {
    let a = try grid()
    let mask = try Tensor([true, false, true], shape: [3])
    // mask broadcasts over rows
    assertClose(try a.maskedFill(mask, value: -1), shape: [2, 3], [-1, 1, -1, -1, 4, -1], atol: 1e-6, rtol: 1e-6)
    let cond = try Tensor([true, false], shape: [2, 1])
    let other = try Tensor([100, 200, 300] as [Float])
    // row 0 from a, row 1 from other (broadcast)
    assertClose(try Tensor.where(cond, a, other), shape: [2, 3], [0, 1, 2, 100, 200, 300], atol: 1e-6, rtol: 1e-6)
    let nz = try a.gt(3.5).nonzero()
    assertTensor(nz, shape: [2, 2], exactly: [Int64(1), 1, 1, 2])
  }

  func testExpandSqueezeUnsqueezeFlatten() throws {
    let col = try Tensor([1, 2] as [Float], shape: [2, 1])
    let e = try col.expanded([2, 3])
    assertClose(e, shape: [2, 3], [1, 1, 1, 2, 2, 2], atol: 1e-6, rtol: 1e-6)
    assertClose(try col.expanded([4, -1, 2]), shape: [4, 2, 2], [1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2], atol: 1e-6, rtol: 1e-6)
    assertThrows(TorchError.self, "The expanded size of the tensor (3) must match") { try col.expanded([3, 3]) }

    let t = try Tensor.arange(6).view([1, 2, 1, 3])
    assertTensor(try t.squeezed(0), shape: [2, 1, 3], exactly: Array(Int64(0)..<6))
    assertTensor(try t.squeezed(2), shape: [1, 2, 3], exactly: Array(Int64(0)..<6))
    assertTensor(try t.squeezed(1), shape: [1, 2, 1, 3], exactly: Array(Int64(0)..<6), "size-2 dim stays")
    assertTensor(try t.unsqueezed(-1), shape: [1, 2, 1, 3, 1], exactly: Array(Int64(0)..<6))
    assertTensor(try t.unsqueezed(1), shape: [1, 1, 2, 1, 3], exactly: Array(Int64(0)..<6))
    assertTensor(try t.flattened(), shape: [6], exactly: Array(Int64(0)..<6))
    assertTensor(try t.flattened(from: 1), shape: [1, 6], exactly: Array(Int64(0)..<6))
    assertTensor(try t.flattened(from: 1, to: 2), shape: [1, 2, 3], exactly: Array(Int64(0)..<6))
  }

  func testAsStrided() throws {
    let t = try Tensor.arange(6, dtype: .float32)
    // Overlapping windows of length 3 with step 1: [[0,1,2],[1,2,3],[2,3,4],[3,4,5]]
    assertClose(try t.asStrided(size: [4, 3], stride: [1, 1]), shape: [4, 3], [0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5], atol: 1e-6, rtol: 1e-6)
    assertClose(try t.asStrided(size: [2], stride: [2], offset: 1), shape: [2], [1, 3], atol: 1e-6, rtol: 1e-6)
    assertThrows(TorchError.self, "differ in rank") { try t.asStrided(size: [2, 2], stride: [1]) }
  }
}
