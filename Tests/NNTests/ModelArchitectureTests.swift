import NN
import Torch
import XCTest

/// Parameter counts and state-dict keys equal PyTorch's for the same architectures.
final class ModelArchitectureTests: XCTestCase {
  override func setUp() { Torch.threadCount = 2 }

  func checkArchitecture(_ name: String, _ make: () throws -> any Module) throws {
    let reference = try NNReference.load()
    let model = try make()
    XCTAssertEqual(model.parameterCount, reference.param_counts[name], "\(name) parameter count")
    XCTAssertEqual(model.stateDict().map(\.name), reference.state_dict_keys[name], "\(name) state-dict keys")
  }

  func testMLP() throws { try checkArchitecture("mlp_784_256_128_10") { try MLP(inputSize: 784, hiddenSizes: [256, 128], outputSize: 10) } }
  func testCifarResNets() throws {
    for depth in [20, 32, 44, 56, 110] {
      try checkArchitecture("cifar_resnet\(depth)") { try CifarResNet(depth: depth, numClasses: 100) }
    }
  }
  func testResNet18() throws { try checkArchitecture("resnet18") { try ResNet.resnet18(numClasses: 1000) } }
  func testResNet34() throws { try checkArchitecture("resnet34") { try ResNet.resnet34(numClasses: 1000) } }
  func testMobileNetV2() throws { try checkArchitecture("mobilenet_v2") { try MobileNetV2(numClasses: 1000) } }

  func testBadDepthThrows() {
    XCTAssertThrowsError(try CifarResNet(depth: 21)) { XCTAssertTrue("\($0)".contains("6n+2")) }
  }

  /// torchvision's MobileNetV2 initializes Linear with N(0, 0.01) and zero bias.
  func testMobileNetClassifierInit() throws {
    Torch.manualSeed(3)
    let m = try MobileNetV2(numClasses: 1000)
    let fc = try XCTUnwrap(m.classifier.layers[1] as? Linear)
    let w = try fc.weight.toArray(Float.self)
    let mean = w.reduce(0, +) / Float(w.count)
    let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(w.count)).squareRoot()
    XCTAssertEqual(Double(std), 0.01, accuracy: 0.0005)
    XCTAssertEqual(try fc.bias!.abs().sum().item(), 0)
  }
}
