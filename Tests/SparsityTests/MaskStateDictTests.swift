import Foundation
import NN
import Sparsity
import Torch
import XCTest

/// Masks are `weight_mask` buffers of the state dict (SPEC 4.3); a sparse checkpoint loads into
/// a model prepared with empty masks.
final class MaskStateDictTests: XCTestCase {
  override func setUp() {
    Torch.threadCount = 2
    Torch.manualSeed(3)
  }

  func testMasksRoundTripThroughASafetensorsCheckpoint() throws {
    let source = try CifarResNet(depth: 8, numClasses: 10)
    let sourceMasks = try SparsityMasks(model: source)
    try sourceMasks.prune(to: 0.7, using: LayerwiseMagnitudePruner())
    let keys = source.stateDict().map(\.name)
    XCTAssertTrue(keys.contains("layer1.0.conv1.weight_mask"))
    XCTAssertFalse(keys.contains("conv1.weight_mask"), "dense layers have no mask")
    let file = try SafeTensors.read(data: SafeTensors.serialize(source.stateDict().map { ($0.name, $0.tensor) }))

    let unprepared = try CifarResNet(depth: 8, numClasses: 10)
    XCTAssertThrowsError(try unprepared.loadStateDict(file.tensors)) { error in
      XCTAssertTrue((error as? StateDictError)?.unexpected.contains("layer3.0.downsample.0.weight_mask") ?? false, "\(error)")
    }

    let target = try CifarResNet(depth: 8, numClasses: 10)
    try SparsityMasks.installEmptyMasks(on: target)
    try target.loadStateDict(file.tensors)
    let targetMasks = try SparsityMasks(model: target)
    for name in sourceMasks.layerNames {
      XCTAssertTrue(try targetMasks.mask(forLayer: name).equals(sourceMasks.mask(forLayer: name)), name)
      XCTAssertEqual(try targetMasks.mask(forLayer: name).dtype, .bool)
    }
    XCTAssertEqual(try targetMasks.report(), try sourceMasks.report())
    source.eval()
    target.eval()
    let x = try Tensor.randn([2, 3, 8, 8])
    XCTAssertTrue(try Torch.withNoGrad { try source(x).equals(target(x)) }, "same outputs")
  }

  func testRefreshAfterLoadingRecomputesDeadChannels() throws {
    let source = try CifarResNet(depth: 8, numClasses: 10)
    try SparsityMasks(model: source).prune(to: 0.5, using: StructuredChannelPruner())
    let state = source.stateDict()

    let target = try CifarResNet(depth: 8, numClasses: 10)
    let masks = try SparsityMasks(model: target)  // all ones, nothing dead yet
    XCTAssertEqual(try masks.aliveUnits(ofLayer: "layer2.0.conv2").sum().itemInt(), 32)
    try target.loadStateDict(state)
    try masks.refresh()
    XCTAssertEqual(try masks.aliveUnits(ofLayer: "layer2.0.conv2").sum().itemInt(), 16)
    XCTAssertEqual(try masks.report(), try SparsityReport(model: source))
    // A gradient on the dead channels' BatchNorm is now masked.
    let block = target.layer2.layers[0] as! BasicBlock
    try block.bn2.bias.setGrad(Tensor.ones([32]))
    try masks.maskGradients()
    XCTAssertEqual(try block.bn2.bias.grad!.sum().item(), 16)
  }

  func testBadMasksAndLayerNamesThrow() throws {
    let model = try TwoLinear([1, 2, 3, 4], shapeA: [2, 2], [1, 2, 3, 4], shapeB: [2, 2])
    let masks = try SparsityMasks(model: model, scope: bothLayers)
    assertThrows(SparsityError.self, "unknown masked layer 'c'", "a, b") { try masks.setMask(Tensor([true, false]), forLayer: "c") }
    assertThrows(SparsityError.self, "unknown masked layer 'fc'") { _ = try masks.mask(forLayer: "fc") }
    assertThrows(SparsityError.self, "'a'", "[2]", "[2, 2]") { try masks.setMask(Tensor([true, false]), forLayer: "a") }

    let other = try TwoLinear([1, 2, 3, 4], shapeA: [2, 2], [1, 2, 3, 4], shapeB: [2, 2])
    other.a.weightMask = try Tensor.ones([4], dtype: .bool)
    assertThrows(SparsityError.self, "layer 'a'", "[4]", "[2, 2]") { _ = try SparsityMasks(model: other, scope: bothLayers) }
  }
}
