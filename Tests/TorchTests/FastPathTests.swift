import Torch
import XCTest

/// The shim's small-tensor fast path (Sources/CTorch/ctorch_fast.cpp) and the dispatch below
/// autograd for ops whose inputs need no grad: same bits as libtorch's kernels, and results that
/// behave as ordinary leaves in later autograd graphs.
final class FastPathTests: TorchTestCase {
  /// Random values of both signs and magnitudes, then zeros, infinities and NaN.
  private func operands(_ dtype: DType) throws -> (Tensor, Tensor) {
    Torch.manualSeed(7)
    let specials: [Double] = [0, -0.0, .infinity, -.infinity, .nan, 1e-300, 3e38, -7]
    let a = try Tensor.cat([Tensor.randn([200], dtype: .float64) * 1000, Tensor(specials + specials)])
    let b = try Tensor.cat([Tensor.randn([200], dtype: .float64), Tensor(specials + specials.reversed())])
    return (try a.to(dtype), try b.to(dtype))
  }

  /// Bit patterns, so -0 differs from 0 and NaN equals NaN.
  private func bits(_ t: Tensor) throws -> [UInt64] {
    t.dtype == .float32 ? try t.toArray(Float.self).map { UInt64($0.bitPattern) } : try t.toArray(Double.self).map(\.bitPattern)
  }

  func testFastPathMatchesLibtorchKernelsBitwise() throws {
    for dtype in [DType.float32, .float64] {
      let (a, b) = try operands(dtype)
      // A leaf that requires grad has autograd metadata, so ops on it take libtorch's own path.
      let slowA = try a.clone().requiringGrad()
      let ops: [(String, (Tensor, Tensor) throws -> Tensor)] = [("+", { try $0 + $1 }), ("-", { try $0 - $1 }),
                                                               ("*", { try $0 * $1 }), ("/", { try $0 / $1 })]
      for (name, op) in ops {
        let fast = try op(a, b), slow = try op(slowA, b)
        XCTAssertFalse(fast.requiresGrad)
        XCTAssertTrue(slow.requiresGrad, "\(name) on a grad-requiring leaf keeps history")
        XCTAssertEqual(fast.dtype, dtype)
        XCTAssertEqual(try bits(fast), try bits(slow), "\(dtype) a \(name) b")
      }
      for s in [0.1, -7.3, 1.0 / 3, 1e-8, 1e40, -0.0, .nan] {
        let scalarOps: [(String, (Tensor) throws -> Tensor)] = [("+ s", { try $0 + s }), ("- s", { try $0 - s }),
                                                                ("* s", { try $0 * s }), ("/ s", { try $0 / s }),
                                                                ("s -", { try s - $0 })]
        for (name, op) in scalarOps {
          XCTAssertEqual(try bits(op(a)), try bits(op(slowA)), "\(dtype) a \(name) with s = \(s)")
        }
      }
    }
  }

  func testFastPathKeepsShapesIncludingZeroDimensional() throws {
    let m = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 1, 3])
    assertClose(try m * m, shape: [2, 1, 3], [1, 4, 9, 16, 25, 36], atol: 1e-6, rtol: 1e-6)
    assertClose(try Tensor(scalar: 1.5) * Tensor(scalar: 4.0), shape: [], [6], atol: 1e-6, rtol: 1e-6)
    assertClose(try 1 - Tensor(scalar: 0.25), shape: [], [0.75], atol: 1e-6, rtol: 1e-6)
  }

  /// A result computed without history is an ordinary tensor: it can become a leaf later.
  func testFastPathResultCanBecomeALeaf() throws {
    let a = try Tensor([1, 2, 3] as [Double]), b = try Tensor([4, 5, 6] as [Double])
    let m = try a * b  // [4, 10, 18]
    XCTAssertFalse(m.requiresGrad)
    try m.requiringGrad()
    try (m * m + m * 3).sum().backward()  // d/dm = 2m + 3
    assertClose(try XCTUnwrap(m.grad), shape: [3], [11, 23, 39], atol: 1e-6, rtol: 1e-6)
    XCTAssertNil(a.grad)
    XCTAssertNil(b.grad)
  }

  func testFastPathResultCombinesWithTensorsThatRequireGrad() throws {
    let a = try Tensor([1, 2, 3] as [Double]), b = try Tensor([4, 5, 6] as [Double])
    let x = try Tensor([0.5, -1, 2] as [Double]).requiringGrad()
    let p = try a + b  // [5, 7, 9], fast path
    let c = try a * Tensor([2] as [Double])  // broadcast: dispatched below autograd, [2, 4, 6]
    XCTAssertFalse(p.requiresGrad || c.requiresGrad)
    let y = try x * p  // x requires grad: libtorch's autograd path
    XCTAssertTrue(y.requiresGrad)
    // d/dx sum(x p + x^2 c) = p + 2 x c
    try (y + x * x * c).sum().backward()
    assertClose(try XCTUnwrap(x.grad), shape: [3], [7, -1, 33], atol: 1e-6, rtol: 1e-6)
  }

  /// Under no-grad, ops on grad-requiring tensors take the fast paths too; the results hold no
  /// history, own their storage and can be saved for a later backward (unlike InferenceMode tensors).
  func testNoGradResultsOfGradRequiringInputsWorkInLaterGraphs() throws {
    let w = try Tensor([1, 2, 3] as [Double]).requiringGrad()
    let (s, e) = try Torch.withNoGrad { (try w * 3, try w.square()) }  // fast path, unary below autograd
    XCTAssertFalse(s.requiresGrad || e.requiresGrad)
    try s.mul_(2)  // [6, 12, 18]; must not touch w
    assertClose(try w.detached(), shape: [3], [1, 2, 3], atol: 1e-6, rtol: 1e-6)
    try e.requiringGrad()  // [1, 4, 9]
    // loss = sum(w s + w e): dw = s + e, de = w
    try (w * s + w * e).sum().backward()
    assertClose(try XCTUnwrap(w.grad), shape: [3], [7, 16, 27], atol: 1e-6, rtol: 1e-6)
    assertClose(try XCTUnwrap(e.grad), shape: [3], [1, 2, 3], atol: 1e-6, rtol: 1e-6)
  }

  func testFastPathDoesNotLeakHandles() throws {
    let a = try Tensor.rand([16]), b = try Tensor.rand([16])
    let before = Torch.liveTensorCount
    do {
      var z = a
      for _ in 0..<100 { z = try (z * b + b) / 2 - 0.5 }
    }
    XCTAssertEqual(Torch.liveTensorCount, before)
  }
}
