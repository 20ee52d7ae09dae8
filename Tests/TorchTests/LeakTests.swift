import Torch
import XCTest

/// Every tensor handle the shim hands out is freed when its Swift `Tensor` goes away.
final class LeakTests: TorchTestCase {
  func testCounterCountsHandles() throws {
    let before = Torch.liveTensorCount
    var a: Tensor? = try Tensor.zeros([3])
    XCTAssertEqual(Torch.liveTensorCount, before + 1)
    let alias = a
    XCTAssertEqual(Torch.liveTensorCount, before + 1, "a Swift alias is not a new handle")
    var pair: (values: Tensor, indices: Tensor)? = try alias!.topk(2)
    XCTAssertEqual(Torch.liveTensorCount, before + 3)
    pair = nil
    a = nil
    XCTAssertNil(pair)
    XCTAssertEqual(Torch.liveTensorCount, before + 1, "alias still holds the tensor")
    XCTAssertNil(a)
  }

  func testForwardBackwardLeavesNoHandles() throws {
    Torch.manualSeed(5)
    func trainingStep() throws {
      let x = try Tensor.randn([4, 2, 6, 6])
      let w = try (Tensor.randn([4, 1, 3, 3]) * 0.3).requiringGrad()
      let b = try Tensor.zeros([4]).requiringGrad()
      let gamma = try Tensor.ones([4]).requiringGrad(), beta = try Tensor.zeros([4]).requiringGrad()
      let runningMean = try Tensor.zeros([4]), runningVar = try Tensor.ones([4])
      let fc = try (Tensor.randn([3, 16]) * 0.1).requiringGrad()
      let targets = try Tensor([Int64(0), 2, 1, 2])

      var h = try Tensor.conv2d(x, weight: w, bias: b, padding: (1, 1), groups: 2)
      h = try Tensor.batchNorm(h, weight: gamma, bias: beta, runningMean: runningMean, runningVar: runningVar,
                               training: true)
      h = try h.relu().maxPool2d(kernel: (2, 2)).adaptiveAvgPool2d((2, 2)).flattened(from: 1)
      let logits = try Tensor.linear(h, weight: fc, bias: nil)
      let loss = try Tensor.crossEntropy(logits, targets: targets, labelSmoothing: 0.1)
      try loss.backward()
      for p in [w, b, gamma, beta, fc] {
        let g = try XCTUnwrap(p.grad)
        try Torch.withNoGrad { try p.add_(g, alpha: -0.1) }
        try p.setGrad(nil)
      }
      _ = try logits.argmax(dim: 1).toArray(Int64.self)
      _ = try loss.item()
      _ = logits.description
    }
    XCTAssertEqual(try leakedTensorHandles(trainingStep), 0)
    // A second round from a warm start leaks nothing either.
    XCTAssertEqual(try leakedTensorHandles(trainingStep), 0)
  }

  func testHigherOrderGradientsLeaveNoHandles() throws {
    func hessianVectorProduct() throws {
      let a = try Tensor([2, 1, 1, 3] as [Double], shape: [2, 2])
      let x = try Tensor([1, -1] as [Double]).requiringGrad()
      let f = try x.matmul(a.matmul(x))
      let g = try XCTUnwrap(Tensor.gradients(of: [f], withRespectTo: [x], createGraph: true)[0])
      let hv = try XCTUnwrap(Tensor.gradients(of: [(g * Tensor([1, 0] as [Double])).sum()], withRespectTo: [x])[0])
      assertClose(hv, shape: [2], [4, 2], atol: 1e-6, rtol: 1e-6)
    }
    XCTAssertEqual(try leakedTensorHandles(hessianVectorProduct), 0)
  }

  func testOpsThatThrowLeaveNoHandles() throws {
    func failures() throws {
      let a = try Tensor.zeros([2, 3]), b = try Tensor.zeros([4, 5])
      XCTAssertThrowsError(try a + b)
      XCTAssertThrowsError(try Tensor.cat([a, b], dim: 0))
      XCTAssertThrowsError(try a.topk(7))
      XCTAssertThrowsError(try a.matmul(b))
      XCTAssertThrowsError(try a.add_(b))
      XCTAssertThrowsError(try Tensor([1, 2, 3] as [Float], shape: [2]))
    }
    XCTAssertEqual(try leakedTensorHandles(failures), 0)
  }

  func testShapeAndReductionOpsLeaveNoHandles() throws {
    func manyOps() throws {
      let t = try Tensor.arange(24, dtype: .float32).reshaped([2, 3, 4])
      _ = try Tensor.stack([t, t], dim: 1).permuted([3, 2, 1, 0]).contiguous()
      _ = try t.sorted(dim: 2, descending: true)
      _ = try t.kthvalue(2, dim: 1)
      _ = try t.max(dim: 0)
      _ = try t.min(dim: 2, keepDim: true)
      _ = try t.flattened().to(.int64).bincount(minLength: 30)
      _ = try t.toArray(Double.self)
      _ = try t.gt(5).nonzero()
      _ = try Tensor.where(t.gt(5), t, t * 2).cumsum(dim: 0).norm()
      let u = t
      try u.mul_(2)
      try u.addcdiv_(t, t.abs() + 1, value: 0.5)
    }
    XCTAssertEqual(try leakedTensorHandles(manyOps), 0)
  }
}
