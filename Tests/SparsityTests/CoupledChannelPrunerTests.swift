import NN
import Sparsity
import Torch
import XCTest

/// Structured pruning by channel spaces: budgets in channels, MACs or parameters, whose models
/// compact to the budget.
final class CoupledChannelPrunerTests: XCTestCase {
  override func setUp() {
    Torch.threadCount = 2
    Torch.manualSeed(17)
  }

  func testModelCostCountsEachConvolutionAtItsOutputSize() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let cost = try ModelCost(of: model, inputShape: [3, 16, 16])
    // in·out·k²·H·W per conv (16x16, 8x8, 4x4 per stage), in·out for fc.
    XCTAssertEqual(cost.layerMACs["conv1"], 3 * 16 * 9 * 256)
    XCTAssertEqual(cost.layerMACs["layer2.0.downsample.0"], 16 * 32 * 64)
    XCTAssertEqual(cost.layerMACs["layer3.0.conv2"], 64 * 64 * 9 * 16)
    let expected = 110_592 + 2 * 589_824 + (294_912 + 589_824 + 32_768) + (294_912 + 589_824 + 32_768) + 640
    XCTAssertEqual(cost.macs, expected)
    XCTAssertEqual(cost.parameters, model.parameterCount)
    XCTAssertTrue(model.isTraining, "the probe restores the mode")
  }

  /// Half of every prunable space's channels, residual streams pruned in all their writers: the
  /// compacted model has the widths (and parameter count) of ChannelCompactionTests' hand count.
  func testHalfTheChannelsOfEverySpaceCompactsToTheHandCount() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let pruner = try CoupledChannelPruner(model: model, inputShape: [3, 16, 16])
    let masks = try SparsityMasks(model: model)
    try masks.prune(to: 0.3, using: pruner)
    let early = try masks.aliveUnits(ofLayer: "layer2.0.conv2")
    try masks.prune(to: 0.5, using: pruner)
    let late = try masks.aliveUnits(ofLayer: "layer2.0.conv2")
    XCTAssertEqual(try late.logicalAnd(early.logicalNot()).sum().itemInt(), 0, "masks are nested")
    XCTAssertTrue(try masks.aliveUnits(ofLayer: "layer2.0.downsample.0").equals(late), "a stream channel dies in every writer")
    XCTAssertEqual(try late.sum().itemInt(), 16)
    model.eval()
    let result = try ChannelCompaction.compact(model)
    XCTAssertEqual(result.parameterCountAfter, 22_634)
    XCTAssertEqual(result.widths.outputs["layer1.0.conv2"], 16, "the stem writes layer1's stream: dense")
  }

  /// Residual streams kept dense: only the blocks' first convs lose half their channels, so the
  /// compacted CifarResNet-8 has the hand-counted parameters (conv weights + BN affine + fc):
  /// stem 432+32; layer1 16·8·9+16 and 8·16·9+32; layer2 16·16·9+32, 16·32·9+64, shortcut 16·32+64;
  /// layer3 32·32·9+64, 32·64·9+128, shortcut 32·64+128; fc 64·10+10.
  func testKeepingResidualStreamsPrunesOnlyInsideBlocks() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let masks = try SparsityMasks(model: model)
    try masks.prune(to: 0.5, using: CoupledChannelPruner(model: model, inputShape: [3, 16, 16], residualStreams: false))
    for (layer, alive) in [("layer1.0.conv1", 8), ("layer2.0.conv1", 16), ("layer3.0.conv1", 32),
                           ("layer1.0.conv2", 16), ("layer2.0.conv2", 32), ("layer2.0.downsample.0", 32), ("layer3.0.conv2", 64)] {
      XCTAssertEqual(try masks.aliveUnits(ofLayer: layer).sum().itemInt(), alive, layer)
    }
    model.eval()
    let result = try ChannelCompaction.compact(model)
    XCTAssertEqual(result.parameterCountAfter, 464 + 1_168 + 1_184 + 2_336 + 4_672 + 576 + 9_280 + 18_560 + 2_176 + 650)
    // MobileNetV2: the expansion (with its depthwise conv) is pruned, the block's output stream is not.
    let mobile = try MobileNetV2(numClasses: 5)
    let mobileMasks = try SparsityMasks(model: mobile)
    try mobileMasks.prune(to: 0.5, using: CoupledChannelPruner(model: mobile, inputShape: [3, 32, 32], residualStreams: false))
    XCTAssertEqual(try mobileMasks.aliveUnits(ofLayer: "features.2.conv.0.0").sum().itemInt(), 48, "96 hidden channels halved")
    XCTAssertEqual(try mobileMasks.aliveUnits(ofLayer: "features.3.conv.2").sum().itemInt(), 24, "layer 3 adds into the 24-channel stream")
  }

  func testMACBudgetIsMetByTheCompactedModel() throws {
    for allocation in ChannelAllocation.allCases {
      let model = try ResNet.resnet18(numClasses: 10)
      let dense = try ModelCost(of: model, inputShape: [3, 32, 32]).macs
      let masks = try SparsityMasks(model: model)
      try masks.prune(to: 0.5, using: CoupledChannelPruner(model: model, inputShape: [3, 32, 32], budget: .flops, allocation: allocation))
      model.eval()
      let compact = try ChannelCompaction.compact(model).model
      let macs = try ModelCost(of: compact, inputShape: [3, 32, 32]).macs
      XCTAssertLessThanOrEqual(Double(macs), 0.5 * Double(dense), "\(allocation)")
      XCTAssertGreaterThan(Double(macs), 0.45 * Double(dense), "\(allocation): the smallest pruning that meets the budget")
    }
  }

  func testParameterBudgetOnMobileNetV2() throws {
    let model = try MobileNetV2(numClasses: 5)
    let dense = model.parameterCount
    let masks = try SparsityMasks(model: model)
    try masks.prune(to: 0.4, using: CoupledChannelPruner(model: model, inputShape: [3, 32, 32], budget: .parameters))
    model.eval()
    let result = try ChannelCompaction.compact(model)
    XCTAssertLessThanOrEqual(Double(result.parameterCountAfter), 0.6 * Double(dense))
    XCTAssertGreaterThan(Double(result.parameterCountAfter), 0.55 * Double(dense))
    // Hidden channels are pruned in the expansion and the depthwise conv together.
    XCTAssertTrue(try masks.aliveUnits(ofLayer: "features.2.conv.0.0").equals(masks.aliveUnits(ofLayer: "features.2.conv.1.0")))
  }

  func testAnUnreachableBudgetIsRefused() throws {
    let model = try CifarResNet(depth: 8, numClasses: 10)
    let masks = try SparsityMasks(model: model)
    let pruner = try CoupledChannelPruner(model: model, inputShape: [3, 16, 16], budget: .flops)
    XCTAssertThrowsError(try masks.prune(to: 0.99, using: pruner)) { error in
      XCTAssertTrue("\(error)".contains("a flops budget of 0.990 cannot be met"), "\(error)")
    }
  }
}
