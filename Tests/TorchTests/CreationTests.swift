import Torch
import XCTest

/// Creation, dtype, device and metadata of tensors.
final class CreationTests: TorchTestCase {
  func testZerosOnesFullHaveShapeDtypeAndValue() throws {
    let z = try Tensor.zeros([2, 3])
    XCTAssertEqual(z.dtype, .float32)
    XCTAssertEqual(z.device, .cpu)
    assertTensor(z, shape: [2, 3], exactly: [Float](repeating: 0, count: 6))

    let o = try Tensor.ones([3], dtype: .float64)
    assertTensor(o, shape: [3], exactly: [1.0, 1.0, 1.0])

    let f = try Tensor.full([2, 2], value: 7, dtype: .int64)
    assertTensor(f, shape: [2, 2], exactly: [Int64(7), 7, 7, 7])

    let b = try Tensor.full([2], value: 1, dtype: .bool)
    assertTensor(b, shape: [2], exactly: [true, true])

    let u = try Tensor.full([1, 3], value: 200, dtype: .uint8)
    assertTensor(u, shape: [1, 3], exactly: [UInt8(200), 200, 200])

    let like = try Tensor.ones(like: f)
    XCTAssertEqual(like.dtype, .int64)
    assertTensor(like, shape: [2, 2], exactly: [Int64(1), 1, 1, 1])
    assertTensor(try Tensor.zeros(like: u), shape: [1, 3], exactly: [UInt8(0), 0, 0])
  }

  func testArange() throws {
    assertTensor(try Tensor.arange(5), shape: [5], exactly: [Int64(0), 1, 2, 3, 4])
    assertTensor(try Tensor.arange(1, 2, step: 0.25, dtype: .float64), shape: [4], exactly: [1.0, 1.25, 1.5, 1.75])
    assertTensor(try Tensor.arange(10, 0, step: -3, dtype: .float32), shape: [4], exactly: [Float(10), 7, 4, 1])
    assertTensor(try Tensor.arange(0, dtype: .int64), shape: [0], exactly: [Int64]())
  }

  func testRoundTripFloat32() throws {
    let values: [Float] = [1.5, -2.25, 0, .greatestFiniteMagnitude, -.leastNormalMagnitude, 3e-8]
    let t = try Tensor(values, shape: [2, 3])
    XCTAssertEqual(t.dtype, .float32)
    XCTAssertEqual(try t.toArray(Float.self), values)
  }

  func testRoundTripFloat64() throws {
    let values: [Double] = [1.0 / 3.0, -1e300, .pi, 0, -0.5, .leastNonzeroMagnitude]
    let t = try Tensor(values, shape: [3, 1, 2])
    XCTAssertEqual(t.dtype, .float64)
    XCTAssertEqual(t.shape, [3, 1, 2])
    XCTAssertEqual(try t.toArray(Double.self), values)
  }

  func testRoundTripInt64() throws {
    let values: [Int64] = [.min, -1, 0, 1, .max, 1 << 40]
    let t = try Tensor(values)
    XCTAssertEqual(t.dtype, .int64)
    XCTAssertEqual(try t.toArray(Int64.self), values)
  }

  func testRoundTripBool() throws {
    let values = [true, false, false, true]
    let t = try Tensor(values, shape: [2, 2])
    XCTAssertEqual(t.dtype, .bool)
    XCTAssertEqual(try t.toArray(Bool.self), values)
    // Converting to a numeric type gives 0/1.
    XCTAssertEqual(try t.toArray(Int64.self), [1, 0, 0, 1])
  }

  func testRoundTripUInt8() throws {
    let values: [UInt8] = [0, 1, 127, 128, 254, 255]
    let t = try Tensor(values, shape: [6])
    XCTAssertEqual(t.dtype, .uint8)
    XCTAssertEqual(try t.toArray(UInt8.self), values)
    XCTAssertEqual(try t.contiguousBytes(), values)
  }

  func testToArrayConvertsDtype() throws {
    let t = try Tensor([1.75, -1.75, 2.5] as [Double])
    // Float to integer conversion truncates toward zero, as in PyTorch.
    XCTAssertEqual(try t.toArray(Int64.self), [1, -1, 2])
    XCTAssertEqual(try t.toArray(Float.self), [1.75, -1.75, 2.5])
    let i = try t.to(.int64)
    XCTAssertEqual(i.dtype, .int64)
    XCTAssertEqual(try i.to(.float32).toArray(Float.self), [1, -1, 2])
    XCTAssertEqual(try t.to(.bool).toArray(Bool.self), [true, true, true])
  }

  func testBytesInitializer() throws {
    let floats: [Float] = [1, 2, 3, 4]
    let t = try floats.withUnsafeBytes { try Tensor(bytes: $0, dtype: .float32, shape: [2, 2]) }
    assertTensor(t, shape: [2, 2], exactly: floats)
    assertThrows(TorchError.self, "16 bytes do not hold a float64 tensor of shape [2, 2] (32 bytes)") { try floats.withUnsafeBytes { try Tensor(bytes: $0, dtype: .float64, shape: [2, 2]) } }
  }

  func testShapeRankCountAndSize() throws {
    let t = try Tensor.zeros([2, 3, 4])
    XCTAssertEqual(t.shape, [2, 3, 4])
    XCTAssertEqual(t.rank, 3)
    XCTAssertEqual(t.count, 24)
    XCTAssertEqual(t.size(0), 2)
    XCTAssertEqual(t.size(-1), 4)

    let s = try Tensor(scalar: 2.5)
    XCTAssertEqual(s.shape, [])
    XCTAssertEqual(s.rank, 0)
    XCTAssertEqual(s.count, 1)
    XCTAssertEqual(try s.item(), 2.5)
    XCTAssertEqual(try Tensor(scalar: Int64(-9)).itemInt(), -9)

    let empty = try Tensor.zeros([3, 0])
    XCTAssertEqual(empty.count, 0)
    XCTAssertEqual(try empty.toArray(Float.self), [])
  }

  func testValuesThatDoNotFitTheShapeThrow() {
    assertThrows(TorchError.self, "cannot shape 3 values as [2, 2]") { try Tensor([1, 2, 3] as [Float], shape: [2, 2]) }
    assertThrows(TorchError.self, "cannot shape 0 values as [-1, 0]") { try Tensor([Float](), shape: [-1, 0]) }
  }

  func testItemOfManyElementsThrows() throws {
    assertThrows(TorchError.self, "a Tensor with 2 elements cannot be converted to Scalar") { try Tensor.zeros([2]).item() }
  }

  func testDescriptionContainsTheValues() throws {
    let t = try Tensor([1.5, -2.25, 3] as [Float], shape: [3])
    let text = t.description
    XCTAssertTrue(text.contains("1.5000"), text)
    XCTAssertTrue(text.contains("-2.2500"), text)
    XCTAssertTrue(text.contains("3.0000"), text)
    XCTAssertTrue(text.contains("CPUFloatType{3}"), text)

    let i = try Tensor([Int64(42), -7], shape: [2, 1])
    XCTAssertTrue(i.description.contains("42"), i.description)
    XCTAssertTrue(i.description.contains("-7"), i.description)
    XCTAssertTrue(i.description.contains("CPULongType{2,1}"), i.description)
  }

  func testCloneCopiesAndEqualsCompares() throws {
    let a = try Tensor([1, 2, 3] as [Float])
    let c = try a.clone()
    XCTAssertTrue(try a.equals(c))
    XCTAssertFalse(try a.sharesData(with: c))
    XCTAssertTrue(try a.sharesData(with: a.detached()))
    try c.fill_(0)
    assertTensor(a, shape: [3], exactly: [Float(1), 2, 3])
    XCTAssertFalse(try a.equals(c))
    // Different shapes are not equal.
    XCTAssertFalse(try a.equals(a.reshaped([3, 1])))
  }

  func testDTypeMetadata() {
    XCTAssertEqual(DType.float32.byteSize, 4)
    XCTAssertEqual(DType.int64.byteSize, 8)
    XCTAssertEqual(DType.bool.byteSize, 1)
    XCTAssertTrue(DType.float64.isFloatingPoint)
    XCTAssertFalse(DType.uint8.isFloatingPoint)
    XCTAssertEqual(DType.float32.description, "float32")
    XCTAssertEqual(Device.cpu.description, "cpu")
    XCTAssertEqual(Device.cuda(1).description, "cuda:1")
  }

  func testRandomCreationShapesAndRanges() throws {
    Torch.manualSeed(1)
    let r = try Tensor.rand([1000], dtype: .float64)
    let rv = try r.toArray(Double.self)
    XCTAssertTrue(rv.allSatisfy { $0 >= 0 && $0 < 1 })
    let ri = try Tensor.randint(low: -2, high: 3, shape: [4, 250])
    XCTAssertEqual(ri.dtype, .int64)
    XCTAssertEqual(Set(try ri.toArray(Int64.self)), [-2, -1, 0, 1, 2])
    let p = try Tensor.randperm(10)
    XCTAssertEqual(try p.toArray(Int64.self).sorted(), Array(0..<10))
    let n = try Tensor.randn([2, 3])
    XCTAssertEqual(n.shape, [2, 3])
    XCTAssertEqual(n.dtype, .float32)
  }
}
