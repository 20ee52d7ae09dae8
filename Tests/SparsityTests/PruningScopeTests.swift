import NN
import Sparsity
import Torch
import XCTest

/// Which layers are prunable (SPEC 4.2): first conv and last linear dense by default.
final class PruningScopeTests: XCTestCase {
  override func setUp() { Torch.threadCount = 2 }

  func testCifarResNetDefaultKeepsFirstConvAndLastLinearDense() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let names = try prunableLayers(of: model).map(\.name)
    XCTAssertEqual(names, ["layer1.0.conv1", "layer1.0.conv2",
                           "layer2.0.conv1", "layer2.0.conv2", "layer2.0.downsample.0",
                           "layer3.0.conv1", "layer3.0.conv2", "layer3.0.downsample.0"])
    let all = try prunableLayers(of: model, scope: .everyLayer).map(\.name)
    XCTAssertEqual(all, ["conv1"] + names + ["fc"])
    let onlyFirstDense = try prunableLayers(of: model, scope: PruningScope(lastLinearDense: false)).map(\.name)
    XCTAssertEqual(onlyFirstDense, names + ["fc"])
  }

  func testMLPFirstLinearIsPrunableLastIsDense() throws {
    let model = try MLP(inputSize: 6, hiddenSizes: [5, 4], outputSize: 3)
    XCTAssertEqual(try prunableLayers(of: model).map(\.name), ["layers.0", "layers.2"])
  }

  func testIncludeAndExcludeLists() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let included = try prunableLayers(of: model, scope: PruningScope(include: ["fc", "conv1", "layer1.0.conv2"]))
    XCTAssertEqual(included.map(\.name), ["conv1", "layer1.0.conv2", "fc"], "registration order; explicit names override the dense defaults")
    let excluded = try prunableLayers(of: model, scope: PruningScope(exclude: ["layer2.0.downsample.0", "layer3.0.downsample.0"]))
    XCTAssertEqual(excluded.map(\.name), ["layer1.0.conv1", "layer1.0.conv2", "layer2.0.conv1", "layer2.0.conv2",
                                          "layer3.0.conv1", "layer3.0.conv2"])
    let both = try prunableLayers(of: model, scope: PruningScope(include: ["conv1", "fc"], exclude: ["fc"]))
    XCTAssertEqual(both.map(\.name), ["conv1"])
  }

  func testUnknownOrNonMaskableNamesThrow() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    assertThrows(SparsityError.self, "unknown layer name 'layer9.conv'", "include") {
      _ = try prunableLayers(of: model, scope: PruningScope(include: ["layer9.conv"]))
    }
    assertThrows(SparsityError.self, "unknown layer name 'fc2'", "exclude") {
      _ = try prunableLayers(of: model, scope: PruningScope(exclude: ["fc2"]))
    }
    assertThrows(SparsityError.self, "'bn1'", "BatchNorm2d", "not a Linear or Conv2d") {
      _ = try prunableLayers(of: model, scope: PruningScope(include: ["bn1"]))
    }
    assertThrows(SparsityError.self, "'layer1'", "Sequential") { _ = try SparsityMasks(model: model, scope: PruningScope(exclude: ["layer1"])) }
  }
}
