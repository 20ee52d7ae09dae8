import NN
import Torch
import XCTest

/// Whole models on fixed weights and inputs give PyTorch's outputs, loss, gradients and
/// BatchNorm running statistics (Fixtures/make_fixtures.py).
final class GoldenModelTests: XCTestCase {
  // One thread, as the fixture script: train-mode BatchNorm over few values per channel amplifies
  // reduction-order rounding, so both sides must sum in the same order.
  override func setUp() { Torch.threadCount = 1 }

  func check(_ key: String, _ model: any Module) throws {
    let g = try XCTUnwrap(try NNReference.load().golden[key])
    try fillDeterministic(model)
    let x = try deterministicInput(g.input_shape)
    model.eval()
    let evalLogits = try Torch.withNoGrad { try model(x) }
    assertClose(try evalLogits.toArray(Double.self), g.eval_logits, "\(key) eval logits")

    model.train()
    let logits = try model(x)
    let loss = try Tensor.crossEntropy(logits, targets: Tensor(g.targets))
    try loss.backward()
    assertClose(try logits.toArray(Double.self), g.train_logits, "\(key) train logits")
    XCTAssertEqual(try loss.item(), g.loss, accuracy: 1e-5 * Swift.max(1, Swift.abs(g.loss)))
    let params = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
    for (name, expected) in g.grads {
      let grad = try XCTUnwrap(params[name]?.grad, "\(key): no gradient for \(name)")
      let flat = try grad.flattened().toArray(Double.self)
      assertClose(Array(flat.prefix(expected.head.count)), expected.head, atol: 1e-6, rtol: 1e-3, "\(key) grad \(name)")
      XCTAssertEqual(flat.reduce(0, +), expected.sum, accuracy: 1e-5 + 1e-3 * expected.abs_sum, "\(key) grad sum \(name)")
      XCTAssertEqual(flat.map(Swift.abs).reduce(0, +), expected.abs_sum, accuracy: 1e-3 * expected.abs_sum, "\(key) |grad| \(name)")
    }
    let buffers = Dictionary(uniqueKeysWithValues: model.namedBuffers().map { ($0.name, $0.tensor) })
    let rm = try XCTUnwrap(buffers[g.running_mean_name])
    assertClose(try rm.toArray(Double.self), g.running_mean, atol: 1e-6, "\(key) running mean")
  }

  func testCifarResNet20() throws { try check("cifar_resnet20_c10", try CifarResNet(depth: 20, numClasses: 10)) }
  func testMobileNetV2() throws { try check("mobilenet_v2_c5", try MobileNetV2(numClasses: 5, dropout: 0)) }
  func testResNet18() throws { try check("resnet18_c7", try ResNet.resnet18(numClasses: 7)) }
}
