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
