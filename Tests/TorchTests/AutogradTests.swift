import Torch
import Foundation
import XCTest

/// The autograd API: leaves, backward, accumulation, grad mode and higher-order gradients.
final class AutogradTests: TorchTestCase {
  func testRequiringGradMarksLeavesAndPropagates() throws {
    let x = try Tensor([1, 2, 3] as [Double])
    XCTAssertFalse(x.requiresGrad)
    let same = try x.requiringGrad()
    XCTAssertTrue(same === x, "requiringGrad returns self")
    XCTAssertTrue(x.requiresGrad)
    let y = try x * 2
    XCTAssertTrue(y.requiresGrad)
    XCTAssertFalse(try y.detached().requiresGrad)
    try x.requiringGrad(false)
    XCTAssertFalse(x.requiresGrad)
    XCTAssertFalse(try (x * 2).requiresGrad)
  }

  func testRequiringGradRejectsNonLeavesAndIntegers() throws {
    let x = try Tensor([1, 2] as [Double]).requiringGrad()
    assertThrows(TorchError.self, "you can only change requires_grad flags of leaf variables") { try (x * 2).requiringGrad(false) }
    assertThrows(TorchError.self, "Only Tensors of floating point and complex dtype can require gradients") { try Tensor([Int64(1)]).requiringGrad() }
  }

  func testBackwardGivesTheGradient() throws {
    let x = try Tensor([1, -2, 3] as [Double]).requiringGrad()
    XCTAssertNil(x.grad, "no gradient before backward")
    // d/dx sum(3 x^2 + x) = 6x + 1
    let loss = try (x.square() * 3 + x).sum()
    try loss.backward()
    assertClose(try XCTUnwrap(x.grad), shape: [3], [7, -11, 19], atol: 1e-6, rtol: 1e-6)
  }

  func testInPlaceReLU6GivesTheValuesAndGradientOfTheOutOfPlaceOne() throws {
    // y = relu6(2x), in place on the fresh 2x (as after a BatchNorm); loss = sum(y * w):
    // dloss/dx = 2 w where 0 < 2x < 6, else 0 (hardtanh's gradient at the bounds is 0, as in PyTorch).
    let x = try Tensor([-1, 0.25, 1, 2.5, 4] as [Double]).requiringGrad()
    let w = try Tensor([1, 2, 3, 4, 5] as [Double])
    let y = try x * 2
    try y.relu6_()
    assertClose(y, shape: [5], [0, 0.5, 2, 5, 6], atol: 0, rtol: 0)
    try (y * w).sum().backward()
    assertClose(try XCTUnwrap(x.grad), shape: [5], [0, 4, 6, 8, 0], atol: 0, rtol: 0)
  }

  func testBackwardOfANonScalarNeedsAGradient() throws {
    let x = try Tensor([1, 2] as [Double]).requiringGrad()
    let y = try x * x
    assertThrows(TorchError.self, "grad can be implicitly created only for scalar outputs") { try y.backward() }
    // vector-Jacobian product: v · diag(2x)
    try y.backward(gradient: Tensor([10, -1] as [Double]))
    assertClose(try XCTUnwrap(x.grad), shape: [2], [20, -4], atol: 1e-6, rtol: 1e-6)
  }

  func testGradientsAccumulateOverTwoBackwards() throws {
    let x = try Tensor([0.5, 2] as [Double]).requiringGrad()
    try (x * x).sum().backward()  // 2x = [1, 4]
    assertClose(try XCTUnwrap(x.grad), shape: [2], [1, 4], atol: 1e-6, rtol: 1e-6)
    try (x * 3).sum().backward()  // + 3
    assertClose(try XCTUnwrap(x.grad), shape: [2], [4, 7], atol: 1e-6, rtol: 1e-6)
  }

  func testRetainGraphAllowsASecondBackwardOnTheSameGraph() throws {
    let x = try Tensor([1, 2] as [Double]).requiringGrad()
    let loss = try x.exp().sum()
    try loss.backward(retainGraph: true)
    try loss.backward()
    let e = [1.0, 2].map { 2 * Foundation.exp($0) }
    assertClose(try XCTUnwrap(x.grad), shape: [2], e, atol: 1e-15, rtol: 1e-15)
    // Without retainGraph the buffers are freed after the first pass.
    let again = try x.exp().sum()
    try again.backward()
    assertThrows(TorchError.self, "Trying to backward through the graph a second time") { try again.backward() }
  }

  func testSetGradReplacesAndClears() throws {
    let x = try Tensor([1, 2] as [Double]).requiringGrad()
    try (x * 5).sum().backward()
    assertClose(try XCTUnwrap(x.grad), shape: [2], [5, 5], atol: 1e-6, rtol: 1e-6)
    try x.setGrad(nil)
    XCTAssertNil(x.grad)
    // After clearing, the next backward starts from zero instead of accumulating.
    try (x * 5).sum().backward()
    assertClose(try XCTUnwrap(x.grad), shape: [2], [5, 5], atol: 1e-6, rtol: 1e-6)
    try x.setGrad(Tensor([-1, 1] as [Double]))
    assertClose(try XCTUnwrap(x.grad), shape: [2], [-1, 1], atol: 1e-6, rtol: 1e-6)
    try (x * 2).sum().backward()
    assertClose(try XCTUnwrap(x.grad), shape: [2], [1, 3], atol: 1e-6, rtol: 1e-6)
  }

  func testSetGradRejectsAMismatchedGradient() throws {
    // As assigning x.grad in PyTorch: the gradient must have the leaf's size and type.
    let x = try Tensor([1, 2] as [Double]).requiringGrad()
    assertThrows(TorchError.self, "assigned grad has data of a different size") { try x.setGrad(Tensor([1, 2, 3] as [Double])) }
    assertThrows(TorchError.self, "assigned grad has data of a different type") { try x.setGrad(Tensor([1, 2] as [Float])) }
    XCTAssertNil(x.grad, "a rejected gradient is not stored")
    try (x * 2).sum().backward()
    assertClose(try XCTUnwrap(x.grad), shape: [2], [2, 2], atol: 1e-6, rtol: 1e-6)
  }

  func testGradAliasesTheAccumulator() throws {
    // `grad` is the leaf's gradient tensor itself: zeroing it in place clears the accumulator,
    // which is how optimizers reset gradients.
    let x = try Tensor([1, 2] as [Double]).requiringGrad()
    try (x * 4).sum().backward()
    let g = try XCTUnwrap(x.grad)
    try g.zero_()
    assertClose(try XCTUnwrap(x.grad), shape: [2], [0, 0], atol: 1e-6, rtol: 1e-6)
    try (x * 4).sum().backward()
    assertClose(try XCTUnwrap(x.grad), shape: [2], [4, 4], atol: 1e-6, rtol: 1e-6)
  }

  func testWithNoGradDisablesRecording() throws {
    let x = try Tensor([1, 2] as [Double]).requiringGrad()
    XCTAssertTrue(Torch.isGradEnabled)
    let y = try Torch.withNoGrad { () throws -> Tensor in
      XCTAssertFalse(Torch.isGradEnabled)
      return try x * x + 1
    }
    XCTAssertFalse(y.requiresGrad)
    assertClose(y, shape: [2], [2, 5], atol: 1e-6, rtol: 1e-6)
    XCTAssertTrue(Torch.isGradEnabled, "grad mode is restored")
    assertThrows(TorchError.self, "does not require grad and does not have a grad_fn") { try y.sum().backward() }

    // withGrad switches recording back on inside a no-grad region; modes restore on exit, even on throw.
    try Torch.withNoGrad {
      let z = try? Torch.withGrad { try x * 3 }
      XCTAssertEqual(z?.requiresGrad, true)
      XCTAssertFalse(Torch.isGradEnabled)
      XCTAssertThrowsError(try Torch.withGrad { _ = try x + Tensor.zeros([5], dtype: .float64) })
      XCTAssertFalse(Torch.isGradEnabled)
    }
    XCTAssertTrue(Torch.isGradEnabled)
  }

  func testGradientsOfUnusedInputIsNil() throws {
    let x = try Tensor([1, 2] as [Double]).requiringGrad()
    let unused = try Tensor([3.0]).requiringGrad()
    let grads = try Tensor.gradients(of: [(x * x).sum()], withRespectTo: [x, unused])
    XCTAssertEqual(grads.count, 2)
    assertClose(try XCTUnwrap(grads[0]), shape: [2], [2, 4], atol: 1e-6, rtol: 1e-6)
    XCTAssertNil(grads[1])
    XCTAssertNil(x.grad, "gradients(of:) does not accumulate into .grad")
  }

  func testGradientsOfSeveralOutputsAreSummed() throws {
    let x = try Tensor([1, 2] as [Double]).requiringGrad()
    let grads = try Tensor.gradients(of: [(x * x).sum(), (x * 3).sum()], withRespectTo: [x])
    assertClose(try XCTUnwrap(grads[0]), shape: [2], [5, 7], atol: 1e-6, rtol: 1e-6)
  }

  func testHessianVectorProductOfAQuadratic() throws {
    // f(x) = xᵀ A x with A = [[1, 2], [3, 4]], x = [1, 2]:
    //   A x = [5, 11], f = 1·5 + 2·11 = 27
    //   ∇f = (A + Aᵀ) x = [[2, 5], [5, 8]] · [1, 2] = [12, 21]
    //   H = A + Aᵀ, so H v for v = [2, 1] is [2·2 + 5·1, 5·2 + 8·1] = [9, 18]
    let a = try Tensor([1, 2, 3, 4] as [Double], shape: [2, 2])
    let x = try Tensor([1, 2] as [Double]).requiringGrad()
    let v = try Tensor([2, 1] as [Double])
    let f = try x.matmul(a.matmul(x))
    XCTAssertEqual(try f.item(), 27)
    let g = try XCTUnwrap(Tensor.gradients(of: [f], withRespectTo: [x], createGraph: true)[0])
    assertClose(g, shape: [2], [12, 21], atol: 1e-6, rtol: 1e-6)
    XCTAssertTrue(g.requiresGrad, "createGraph makes the gradient differentiable")
    let hv = try XCTUnwrap(Tensor.gradients(of: [(g * v).sum()], withRespectTo: [x])[0])
    assertClose(hv, shape: [2], [9, 18], atol: 1e-6, rtol: 1e-6)
    XCTAssertFalse(hv.requiresGrad)
  }

  func testDoubleBackwardThroughBackward() throws {
    // backward(createGraph:) leaves a differentiable .grad: for f = sum(x^3), grad = 3x^2,
    // and d/dx sum(grad) = 6x.
    let x = try Tensor([1, -2] as [Double]).requiringGrad()
    try x.pow(3).sum().backward(createGraph: true)
    let g = try XCTUnwrap(x.grad)
    assertClose(g, shape: [2], [3, 12], atol: 1e-6, rtol: 1e-6)
    let second = try XCTUnwrap(Tensor.gradients(of: [g.sum()], withRespectTo: [x])[0])
    assertClose(second, shape: [2], [6, -12], atol: 1e-6, rtol: 1e-6)
    // The differentiable .grad references x through its graph; dropping it breaks the cycle.
    try x.setGrad(nil)
  }
}
