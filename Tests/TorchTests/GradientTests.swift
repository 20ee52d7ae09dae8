import Torch
import XCTest

/// Autograd gradients of the neural-network ops against central finite differences in float64.
final class GradientTests: TorchTestCase {
  override func setUp() {
    super.setUp()
    Torch.manualSeed(20240611)
  }

  private func randn(_ shape: [Int]) throws -> Tensor { try Tensor.randn(shape, dtype: .float64) }

  func testConv2dWithStridePaddingDilationAndGroups() throws {
    // 4 input channels in 2 groups of 2; output [2, 4, 2, 8].
    let x = try randn([2, 4, 6, 6]), w = try randn([4, 2, 3, 3]), b = try randn([4])
    let conv: ([Tensor]) throws -> Tensor = {
      try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 1), padding: (1, 2), dilation: (2, 1), groups: 2)
    }
    XCTAssertEqual(try conv([x, w, b]).shape, [2, 4, 2, 8])
    try assertGradientsMatchFiniteDifferences(["input", "weight", "bias"], [x, w, b], conv)
  }

  func testConv2dWithoutBias() throws {
    let x = try randn([1, 2, 4, 4]), w = try randn([3, 2, 2, 2])
    try assertGradientsMatchFiniteDifferences(["input", "weight"], [x, w]) {
      try Tensor.conv2d($0[0], weight: $0[1], bias: nil, padding: (1, 0))
    }
  }

  func testBatchNormTrainingMode() throws {
    // Batch statistics depend on every input, so the input gradient is a full Jacobian-vector product.
    let x = try randn([4, 3, 2, 2]) * 2 + 1, gamma = try randn([3]), beta = try randn([3])
    try assertGradientsMatchFiniteDifferences(["input", "weight", "bias"], [x, gamma, beta]) {
      try Tensor.batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true)
    }
  }

  func testBatchNormTrainingModeOn2D() throws {
    let x = try randn([5, 3]), gamma = try randn([3]), beta = try randn([3])
    try assertGradientsMatchFiniteDifferences(["input", "weight", "bias"], [x, gamma, beta]) {
      try Tensor.batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true, eps: 1e-3)
    }
  }

  func testLinear() throws {
    let x = try randn([2, 3, 4]), w = try randn([5, 4]), b = try randn([5])
    try assertGradientsMatchFiniteDifferences(["input", "weight", "bias"], [x, w, b]) {
      try Tensor.linear($0[0], weight: $0[1], bias: $0[2])
    }
    try assertGradientsMatchFiniteDifferences(["input", "weight"], [x, w]) {
      try Tensor.linear($0[0], weight: $0[1], bias: nil)
    }
  }

  func testMaxPool2d() throws {
    // Overlapping 3x3 windows with stride 2 and padding 1: some inputs are the max of two windows.
    let x = try randn([2, 2, 5, 5])
    try assertGradientsMatchFiniteDifferences(["input"], [x]) {
      try $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
    }
    try assertGradientsMatchFiniteDifferences(["input"], [x]) {
      try $0[0].maxPool2d(kernel: (2, 2), ceilMode: true)
    }
  }

  func testAvgPool2d() throws {
    let x = try randn([2, 2, 5, 5])
    try assertGradientsMatchFiniteDifferences(["input"], [x]) {
      try $0[0].avgPool2d(kernel: (3, 2), stride: (2, 1), padding: (1, 1))
    }
    try assertGradientsMatchFiniteDifferences(["input"], [x]) {
      try $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1), ceilMode: true, countIncludePad: false)
    }
  }

  func testAdaptiveAvgPool2d() throws {
    // 5x7 -> 3x2 has overlapping, unequal windows.
    let x = try randn([2, 3, 5, 7])
    try assertGradientsMatchFiniteDifferences(["input"], [x]) { try $0[0].adaptiveAvgPool2d((3, 2)) }
    try assertGradientsMatchFiniteDifferences(["input"], [x]) { try $0[0].adaptiveAvgPool2d((1, 1)) }
  }

  func testCrossEntropyMean() throws {
    let logits = try randn([4, 5]) * 2
    let targets = try Tensor([Int64(1), 0, 4, 2])
    try assertGradientsMatchFiniteDifferences(["logits"], [logits]) {
      try Tensor.crossEntropy($0[0], targets: targets, reduction: .mean)
    }
  }

  func testCrossEntropyWithLabelSmoothing() throws {
    let logits = try randn([4, 5]) * 2
    let targets = try Tensor([Int64(3), 3, 0, 1])
    try assertGradientsMatchFiniteDifferences(["logits"], [logits]) {
      try Tensor.crossEntropy($0[0], targets: targets, reduction: .mean, labelSmoothing: 0.1)
    }
    try assertGradientsMatchFiniteDifferences(["logits"], [logits]) {
      try Tensor.crossEntropy($0[0], targets: targets, reduction: .none, labelSmoothing: 0.1)
    }
  }

  func testLogSoftmax() throws {
    let x = try randn([3, 4])
    try assertGradientsMatchFiniteDifferences(["input"], [x]) { try $0[0].logSoftmax(dim: 1) }
    try assertGradientsMatchFiniteDifferences(["input"], [x]) { try $0[0].logSoftmax(dim: 0) }
    try assertGradientsMatchFiniteDifferences(["input"], [x]) { try $0[0].softmax(dim: -1) }
  }

  func testElementwiseChain() throws {
    // A composite of the elementwise ops and a matmul, including scalar-on-left operators.
    let x = try randn([3, 3]), y = try randn([3, 2])
    try assertGradientsMatchFiniteDifferences(["x", "y"], [x, y]) {
      let h = try (2 - $0[0].tanh()) * $0[0].sigmoid() + 0.5 * $0[0].square()
      return try h.matmul($0[1].exp()) / 3
    }
  }

  func testCentralDifferencesOfACubic() throws {
    let x = try Tensor([0.5, -2, 3] as [Double])
    let numeric = try centralDifferences(of: { try $0[0].pow(3).sum().item() }, at: [x], eps: 1e-6)
    // d/dx sum(x^3) = 3x^2
    assertClose(try Tensor(numeric[0]), shape: [3], [0.75, 12, 27], atol: 1e-8, rtol: 1e-8)
  }

  func testFiniteDifferenceCheckCatchesAWrongGradient() throws {
    // x * detach(x): autograd sees only one factor (gradient x), the function's derivative is 2x.
    let x = try randn([4])
    let problems = try finiteDifferenceMismatches(["x"], [x]) { try $0[0] * $0[0].detached() }
    XCTAssertEqual(problems.count, 1)
    XCTAssertTrue(problems.first?.hasPrefix("x: 4 of 4 elements differ") ?? false, problems.joined())
    // and it flags inputs that are not float64
    let single = try finiteDifferenceMismatches(["x"], [x.to(.float32)], tolerance: 1e-2) { try $0[0] * 2 }
    XCTAssertEqual(single.first, "x is float32; finite differences need float64")
  }
}
