import NN
import TestSupport
import Torch
import XCTest

/// Whole models on fixed weights and inputs give PyTorch's outputs, loss, gradients and
/// BatchNorm running statistics (Fixtures/make_fixtures.py).
///
/// Both sides run in float64 on batches of 8 with He-scaled weights, so train-mode BatchNorm
/// normalises well-spread values and different CPU kernels (AVX-512, AVX2, SSE, scalar) agree to
/// about 1e-14 relative. The tolerance, 1e-9 of each compared quantity's scale, is float64
/// rounding with a wide margin; an architectural difference (a missing ReLU, a wrong stride)
/// moves results by far more.
final class GoldenModelTests: XCTestCase {
  override func setUp() { Torch.threadCount = 1 }

  static let rtol = 1e-9

  /// Elementwise within `rtol` of the largest expected magnitude.
  func assertGolden(_ actual: [Double], _ expected: [Double], _ what: String,
                    file: StaticString = #filePath, line: UInt = #line) {
    let scale = expected.map(Swift.abs).max() ?? 1
    assertClose(actual, expected, atol: Self.rtol * scale, what, file: file, line: line)
  }

  func check(_ key: String, _ model: any Module) throws {
    let g = try XCTUnwrap(try NNReference.load().golden[key])
    XCTAssertEqual(g.dtype, "float64")
    try fillDeterministic(model)
    let x = try deterministicInput(g.input_shape)
    model.eval()
    let evalLogits = try Torch.withNoGrad { try model(x) }
    XCTAssertEqual(evalLogits.dtype, .float64)
    assertGolden(try evalLogits.toArray(Double.self), g.eval_logits, "\(key) eval logits")

    model.train()
    let logits = try model(x)
    let loss = try Tensor.crossEntropy(logits, targets: Tensor(g.targets))
    try loss.backward()
    assertGolden(try logits.toArray(Double.self), g.train_logits, "\(key) train logits")
    XCTAssertEqual(try loss.item(), g.loss, accuracy: Self.rtol * Swift.abs(g.loss), "\(key) loss")
    let params = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
    for (name, expected) in g.grads.sorted(by: { $0.key < $1.key }) {
      let grad = try XCTUnwrap(params[name]?.grad, "\(key): no gradient for \(name)")
      let flat = try grad.flattened().toArray(Double.self)
      assertGolden(Array(flat.prefix(expected.head.count)), expected.head, "\(key) grad \(name)")
      // A sum can cancel to ~0: its rounding is bounded by the absolute sum's.
      XCTAssertEqual(flat.reduce(0, +), expected.sum, accuracy: Self.rtol * expected.abs_sum, "\(key) grad sum \(name)")
      XCTAssertEqual(flat.map(Swift.abs).reduce(0, +), expected.abs_sum, accuracy: Self.rtol * expected.abs_sum,
                     "\(key) |grad| \(name)")
    }
    let buffers = Dictionary(uniqueKeysWithValues: model.namedBuffers().map { ($0.name, $0.tensor) })
    let rm = try XCTUnwrap(buffers[g.running_mean_name])
    assertGolden(try rm.toArray(Double.self), g.running_mean, "\(key) running mean")
    let varName = g.running_mean_name.replacingOccurrences(of: "running_mean", with: "running_var")
    let rv = try XCTUnwrap(buffers[varName])
    assertGolden(try rv.toArray(Double.self), g.running_var, "\(key) running var")
  }

  func testCifarResNet20() throws { try check("cifar_resnet20_c10", try CifarResNet(depth: 20, numClasses: 10)) }
  func testMobileNetV2() throws { try check("mobilenet_v2_c5", try MobileNetV2(numClasses: 5, dropout: 0)) }
  func testResNet18() throws { try check("resnet18_c7", try ResNet.resnet18(numClasses: 7)) }
}
